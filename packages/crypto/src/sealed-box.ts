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
import { hpkeOpenBase, hpkeSealBase, x25519PublicFromRaw, x25519Raw } from './hpke';

// Values other services seal to the account service: they never hold subject keys (DESIGN.md
// section 5). Version 2 is standard HPKE (RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-256-GCM), which libraries in every language implement. Version 1, Lethe's own
// scheme before it, opens only while a caller's transition period lasts.
const LEGACY_VERSION = 1;
const HPKE_VERSION = 2;
const PUBLIC_KEY_BYTES = 32;
const LEGACY_HKDF_INFO = Buffer.from('lethe.sealed-box.v1');

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

/** Sealing v2 (HPKE, RFC 9180) puts this in `info`; the value's own binding goes in `aad`. */
export const SEALED_BOX_INFO = Buffer.from('lethe.sealed-box.v2');

/**
 * Seals `plaintext` so only the holder of the private key opens it; `aad` binds its context.
 * Layout: 0x02 | HPKE enc (32) | HPKE ciphertext (AES-256-GCM, tag last).
 */
export function sealTo(recipient: KeyObject, plaintext: Buffer, aad: Buffer): Buffer {
  const { enc, ciphertext } = hpkeSealBase(recipient, SEALED_BOX_INFO, aad, plaintext);
  return Buffer.concat([Buffer.from([HPKE_VERSION]), enc, ciphertext]);
}

export interface OpenOptions {
  /**
   * Whether the pre-HPKE format (version 1) still opens. True only during the transition the
   * caller states (see `legacySealingAccepted`); otherwise it is CRYPTO_FORMAT_RETIRED.
   */
  readonly acceptLegacy?: boolean;
}

/** Opens a sealed box; a wrong key, a changed byte or a different `aad` is CRYPTO_BAD_TAG. */
export function openSealed(
  privateKey: KeyObject,
  sealed: Buffer,
  aad: Buffer,
  { acceptLegacy = false }: OpenOptions = {},
): Buffer {
  if (sealed.length < 1 + PUBLIC_KEY_BYTES)
    throw new CryptoError('CRYPTO_MALFORMED', 'not a sealed box of a known format');
  const enc = sealed.subarray(1, 1 + PUBLIC_KEY_BYTES);
  const body = sealed.subarray(1 + PUBLIC_KEY_BYTES);
  if (sealed[0] === HPKE_VERSION)
    return hpkeOpenBase(privateKey, SEALED_BOX_INFO, aad, { enc, ciphertext: body });
  if (sealed[0] !== LEGACY_VERSION)
    throw new CryptoError('CRYPTO_MALFORMED', 'not a sealed box of a known format');
  if (!acceptLegacy)
    throw new CryptoError(
      'CRYPTO_FORMAT_RETIRED',
      'sealed with the pre-HPKE format (version 1), which is no longer accepted: seal with HPKE (version 2)',
    );
  return openLegacy(privateKey, enc, body, aad);
}

/** Version 1: X25519, HKDF-SHA256 salted with both public keys, then Lethe's AES-256-GCM layout. */
function openLegacy(privateKey: KeyObject, ephemeralRaw: Buffer, body: Buffer, aad: Buffer): Buffer {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey: x25519PublicFromRaw(ephemeralRaw) });
  } catch (cause) {
    throw new CryptoError('CRYPTO_MALFORMED', 'the sealed box carries no valid X25519 key', { cause });
  }
  const recipientRaw = x25519Raw(createPublicKey(privateKey));
  const key = Buffer.from(
    hkdfSync('sha256', shared, Buffer.concat([ephemeralRaw, recipientRaw]), LEGACY_HKDF_INFO, KEY_BYTES),
  );
  return open(key, body, aad);
}

/** Seals one personal field, bound to its subject, topic, event and field name. */
export function sealFieldTo(recipient: KeyObject, address: FieldAddress, value: string): Buffer {
  return sealTo(recipient, Buffer.from(value, 'utf8'), fieldAssociatedData(address));
}

export function openSealedField(
  privateKey: KeyObject,
  address: FieldAddress,
  sealed: Buffer,
  options: OpenOptions = {},
): string {
  return openSealed(privateKey, sealed, fieldAssociatedData(address), options).toString('utf8');
}

/**
 * The end of the transition to HPKE: the ingest topic keeps records 7 days, so a week after the
 * release that seals with HPKE (0.2.0, 2026-12-01) no version-1 box is left to read. Operators
 * can move it with LETHE_LEGACY_SEALING_UNTIL.
 */
export const LEGACY_SEALING_UNTIL_DEFAULT = '2026-12-08T00:00:00Z';

/** LETHE_LEGACY_SEALING_UNTIL: an ISO 8601 instant, or the default when unset. */
export function legacySealingUntilFrom(raw: string | undefined): Date {
  const until = new Date(raw || LEGACY_SEALING_UNTIL_DEFAULT);
  if (Number.isNaN(until.getTime()))
    throw new CryptoError(
      'CRYPTO_CONFIG_INVALID',
      `LETHE_LEGACY_SEALING_UNTIL must be an ISO 8601 instant such as ${LEGACY_SEALING_UNTIL_DEFAULT}`,
    );
  return until;
}

export function legacySealingAccepted(now: Date, until: Date): boolean {
  return now.getTime() < until.getTime();
}

/** Seals in the pre-HPKE format (version 1): only to test and measure the transition. */
export function sealToLegacyV1(recipient: KeyObject, plaintext: Buffer, aad: Buffer): Buffer {
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralRaw = x25519Raw(ephemeral.publicKey);
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  const key = Buffer.from(
    hkdfSync(
      'sha256',
      shared,
      Buffer.concat([ephemeralRaw, x25519Raw(recipient)]),
      LEGACY_HKDF_INFO,
      KEY_BYTES,
    ),
  );
  return Buffer.concat([Buffer.from([LEGACY_VERSION]), ephemeralRaw, seal(key, plaintext, aad)]);
}
