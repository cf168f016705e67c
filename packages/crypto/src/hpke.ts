import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

import { CryptoError } from './errors';

// HPKE (RFC 9180), base mode, single shot, with DHKEM(X25519, HKDF-SHA256) and HKDF-SHA256: the
// sealing every HPKE library implements (Python's pyhpke, Go's circl, BoringSSL, Bouncy Castle),
// so a service in any language can seal personal fields to Lethe. Only what base mode needs is
// here; the AEAD is a parameter so the RFC's AES-128-GCM vectors check the same code path.

const KEM_X25519_HKDF_SHA256 = 0x0020;
const KDF_HKDF_SHA256 = 0x0001;
const HASH_BYTES = 32;
const X25519_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MODE_BASE = 0x00;
const VERSION_LABEL = Buffer.from('HPKE-v1');

export interface HpkeAead {
  readonly id: number;
  readonly cipher: 'aes-128-gcm' | 'aes-256-gcm';
  readonly keyBytes: number;
}

export const AES_128_GCM: HpkeAead = { id: 0x0001, cipher: 'aes-128-gcm', keyBytes: 16 };
export const AES_256_GCM: HpkeAead = { id: 0x0002, cipher: 'aes-256-gcm', keyBytes: 32 };

const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);

const KEM_SUITE = Buffer.concat([Buffer.from('KEM'), u16(KEM_X25519_HKDF_SHA256)]);
const hpkeSuite = (aead: HpkeAead) =>
  Buffer.concat([Buffer.from('HPKE'), u16(KEM_X25519_HKDF_SHA256), u16(KDF_HKDF_SHA256), u16(aead.id)]);

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

function labeledExtract(suite: Buffer, salt: Buffer, label: string, ikm: Buffer): Buffer {
  return hmac(salt, Buffer.concat([VERSION_LABEL, suite, Buffer.from(label), ikm]));
}

function labeledExpand(suite: Buffer, prk: Buffer, label: string, info: Buffer, length: number): Buffer {
  const labeledInfo = Buffer.concat([u16(length), VERSION_LABEL, suite, Buffer.from(label), info]);
  // HKDF-Expand (RFC 5869): T(i) = HMAC(prk, T(i-1) | info | i).
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * HASH_BYTES < length; i += 1) {
    previous = hmac(prk, Buffer.concat([previous, labeledInfo, Buffer.from([i])]));
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

export const x25519Raw = (key: KeyObject): Buffer =>
  Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url');

export const x25519PublicFromRaw = (raw: Buffer): KeyObject =>
  createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });

/** PKCS#8 DER of an X25519 private key, less its 32 raw bytes (RFC 8410). */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export const x25519PrivateFromRaw = (raw: Buffer): KeyObject =>
  createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });

/** DHKEM's shared secret from the X25519 result and the two public keys (RFC 9180 section 4.1). */
function kemSharedSecret(dh: Buffer, enc: Buffer, recipientRaw: Buffer): Buffer {
  const prk = labeledExtract(KEM_SUITE, Buffer.alloc(0), 'eae_prk', dh);
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', Buffer.concat([enc, recipientRaw]), HASH_BYTES);
}

export interface HpkeKeySchedule {
  readonly key: Buffer;
  readonly baseNonce: Buffer;
}

/** Base mode key schedule (RFC 9180 section 5.1): no PSK, so both PSK inputs are empty. */
export function keySchedule(aead: HpkeAead, sharedSecret: Buffer, info: Buffer): HpkeKeySchedule {
  const suite = hpkeSuite(aead);
  const empty = Buffer.alloc(0);
  const context = Buffer.concat([
    Buffer.from([MODE_BASE]),
    labeledExtract(suite, empty, 'psk_id_hash', empty),
    labeledExtract(suite, empty, 'info_hash', info),
  ]);
  const secret = labeledExtract(suite, sharedSecret, 'secret', empty);
  return {
    key: labeledExpand(suite, secret, 'key', context, aead.keyBytes),
    baseNonce: labeledExpand(suite, secret, 'base_nonce', context, NONCE_BYTES),
  };
}

/** The nonce of the `sequence`-th message of a context: base nonce XOR the big-endian counter. */
export function messageNonce(baseNonce: Buffer, sequence: number): Buffer {
  const nonce = Buffer.from(baseNonce);
  for (let i = 0, n = sequence; n > 0; i += 1, n = Math.floor(n / 256))
    nonce[NONCE_BYTES - 1 - i]! ^= n & 0xff;
  return nonce;
}

export function aeadSeal(aead: HpkeAead, key: Buffer, nonce: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv(aead.cipher, key, nonce);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

export function aeadOpen(aead: HpkeAead, key: Buffer, nonce: Buffer, aad: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES)
    throw new CryptoError('CRYPTO_MALFORMED', 'the HPKE ciphertext is too short');
  const decipher = createDecipheriv(aead.cipher, key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch (cause) {
    throw new CryptoError('CRYPTO_BAD_TAG', 'the value does not authenticate', { cause });
  }
}

export interface HpkeSealed {
  /** The encapsulated key: the ephemeral X25519 public key. */
  readonly enc: Buffer;
  readonly ciphertext: Buffer;
}

/**
 * SealBase: encrypts `plaintext` to `recipient` (an X25519 public key). `ephemeral` is for test
 * vectors only; in use every message gets a fresh key pair.
 */
export function hpkeSealBase(
  recipient: KeyObject,
  info: Buffer,
  aad: Buffer,
  plaintext: Buffer,
  { aead = AES_256_GCM, ephemeral }: { aead?: HpkeAead; ephemeral?: KeyObject } = {},
): HpkeSealed {
  const ephemeralPrivate = ephemeral ?? generateKeyPairSync('x25519').privateKey;
  const enc = x25519Raw(createPublicKey(ephemeralPrivate));
  const dh = diffieHellman({ privateKey: ephemeralPrivate, publicKey: recipient });
  const { key, baseNonce } = keySchedule(aead, kemSharedSecret(dh, enc, x25519Raw(recipient)), info);
  return { enc, ciphertext: aeadSeal(aead, key, baseNonce, aad, plaintext) };
}

/** OpenBase: a wrong key, `info`, `aad` or a changed byte is CRYPTO_BAD_TAG. */
export function hpkeOpenBase(
  recipientPrivate: KeyObject,
  info: Buffer,
  aad: Buffer,
  { enc, ciphertext }: HpkeSealed,
  { aead = AES_256_GCM }: { aead?: HpkeAead } = {},
): Buffer {
  if (enc.length !== X25519_BYTES)
    throw new CryptoError('CRYPTO_MALFORMED', 'the HPKE encapsulated key is not 32 bytes');
  let dh: Buffer;
  try {
    dh = diffieHellman({ privateKey: recipientPrivate, publicKey: x25519PublicFromRaw(enc) });
  } catch (cause) {
    throw new CryptoError('CRYPTO_MALFORMED', 'the HPKE encapsulated key is not a valid X25519 key', {
      cause,
    });
  }
  const recipientRaw = x25519Raw(createPublicKey(recipientPrivate));
  const { key, baseNonce } = keySchedule(aead, kemSharedSecret(dh, enc, recipientRaw), info);
  return aeadOpen(aead, key, baseNonce, aad, ciphertext);
}
