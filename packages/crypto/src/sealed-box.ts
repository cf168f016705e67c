import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';

import { KEY_BYTES, open, seal } from './aead';
import { CryptoError } from './errors';
import { fieldAssociatedData, type FieldAddress } from './field-cipher';

// Values other services seal to the account service: they never hold subject keys (DESIGN.md
// section 5). Layout: version (1 byte) | ephemeral X25519 public key (32) | AES-256-GCM value.
// The AES key is HKDF-SHA256 of the X25519 shared secret, salted with both public keys.
const FORMAT_VERSION = 1;
const PUBLIC_KEY_BYTES = 32;
const HKDF_INFO = Buffer.from('lethe.sealed-box.v1');

export interface SealingKeys {
  /** base64 PKCS#8 DER: stays with the recipient (the account service). */
  privateKey: string;
  /** base64 SPKI DER: given to every sender. */
  publicKey: string;
}

export function generateSealingKeys(): SealingKeys {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

function x25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'x25519')
    throw new CryptoError('CRYPTO_CONFIG_INVALID', `the ${what} must be an X25519 key`);
  return key;
}

export function sealingPublicKeyFrom(base64: string): KeyObject {
  try {
    return x25519(
      createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' }),
      'public key',
    );
  } catch (cause) {
    if (cause instanceof CryptoError) throw cause;
    throw new CryptoError('CRYPTO_CONFIG_INVALID', 'the sealing public key is not base64 SPKI DER', {
      cause,
    });
  }
}

export function sealingPrivateKeyFrom(base64: string): KeyObject {
  try {
    return x25519(
      createPrivateKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'pkcs8' }),
      'private key',
    );
  } catch (cause) {
    if (cause instanceof CryptoError) throw cause;
    throw new CryptoError('CRYPTO_CONFIG_INVALID', 'the sealing private key is not base64 PKCS#8 DER', {
      cause,
    });
  }
}

const rawPublic = (key: KeyObject) => Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url');

const publicFromRaw = (raw: Buffer) =>
  createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });

function boxKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), HKDF_INFO, KEY_BYTES));
}

/** Seals `plaintext` so only the holder of the private key opens it; `aad` binds its context. */
export function sealTo(recipient: KeyObject, plaintext: Buffer, aad: Buffer): Buffer {
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralRaw = rawPublic(ephemeral.publicKey);
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  const key = boxKey(shared, ephemeralRaw, rawPublic(recipient));
  return Buffer.concat([Buffer.from([FORMAT_VERSION]), ephemeralRaw, seal(key, plaintext, aad)]);
}

/** Opens a sealed box; a wrong key, a changed byte or a different `aad` is CRYPTO_BAD_TAG. */
export function openSealed(privateKey: KeyObject, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < 1 + PUBLIC_KEY_BYTES || sealed[0] !== FORMAT_VERSION)
    throw new CryptoError('CRYPTO_MALFORMED', 'not a sealed box of a known format');
  const ephemeralRaw = sealed.subarray(1, 1 + PUBLIC_KEY_BYTES);
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey: publicFromRaw(ephemeralRaw) });
  } catch (cause) {
    throw new CryptoError('CRYPTO_MALFORMED', 'the sealed box carries no valid X25519 key', { cause });
  }
  const key = boxKey(shared, ephemeralRaw, rawPublic(createPublicKey(privateKey)));
  return open(key, sealed.subarray(1 + PUBLIC_KEY_BYTES), aad);
}

/** Seals one personal field, bound to its subject, topic, event and field name. */
export function sealFieldTo(recipient: KeyObject, address: FieldAddress, value: string): Buffer {
  return sealTo(recipient, Buffer.from(value, 'utf8'), fieldAssociatedData(address));
}

export function openSealedField(privateKey: KeyObject, address: FieldAddress, sealed: Buffer): string {
  return openSealed(privateKey, sealed, fieldAssociatedData(address)).toString('utf8');
}
