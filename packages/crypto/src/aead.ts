import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { CryptoError } from './errors';

// Sealed value layout: version (1 byte) | nonce (12) | ciphertext | GCM tag (16).
const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32; // AES-256

/** AES-256-GCM with a fresh random 96-bit nonce per value; `aad` is authenticated, not stored. */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT_VERSION]), nonce, body, cipher.getAuthTag()]);
}

export function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== FORMAT_VERSION) {
    throw new CryptoError('CRYPTO_MALFORMED', 'not a sealed value of a known format');
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (cause) {
    // Tampered ciphertext, a different key, or a different context (AAD): never erasure.
    throw new CryptoError('CRYPTO_BAD_TAG', 'the value does not authenticate', { cause });
  }
}
