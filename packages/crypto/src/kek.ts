import { createHash } from 'node:crypto';

import { KEY_BYTES, open, seal } from './aead';
import { CryptoError } from './errors';

/**
 * Wraps and unwraps data keys. Locally it is AES-256-GCM under a key from configuration; in
 * production a KMS client implements the same three members, and the key never leaves the KMS.
 */
export interface KeyEncryptionKey {
  /** Names the KEK a wrapped key was made with, so rotation can find what to rewrap. */
  readonly id: string;
  wrap(dataKey: Buffer, context: string): Promise<Buffer>;
  unwrap(wrapped: Buffer, context: string): Promise<Buffer>;
}

/**
 * The KEKs of a rotation: wraps under `current`, and unwraps under whichever of them wrapped
 * (tried in order; an AES-GCM tag that does not verify costs microseconds). Its id is the
 * current KEK's, so keys it wraps are recorded under the new KEK.
 */
export function kekRing(current: KeyEncryptionKey, retired: readonly KeyEncryptionKey[]): KeyEncryptionKey {
  if (retired.length === 0) return current;
  const all = [current, ...retired];
  return {
    id: current.id,
    wrap: (dataKey, context) => current.wrap(dataKey, context),
    async unwrap(wrapped, context) {
      for (const kek of all) {
        try {
          return await kek.unwrap(wrapped, context);
        } catch (error) {
          if ((error as CryptoError).code !== 'CRYPTO_KEK_MISMATCH') throw error;
        }
      }
      throw new CryptoError('CRYPTO_KEK_MISMATCH', 'a data key unwraps under none of the configured KEKs');
    },
  };
}

/** A KEK from 32 random bytes, base64-encoded (e.g. LETHE_KEK). */
export function localKek(base64Key: string): KeyEncryptionKey {
  const key = Buffer.from(base64Key, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new CryptoError(
      'CRYPTO_CONFIG_INVALID',
      `the key-encryption key must be ${KEY_BYTES} bytes, base64-encoded`,
    );
  }
  // The id is a digest of the key, so two deployments never confuse their KEKs.
  const id = `local:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  const aad = (context: string) => Buffer.from(`lethe.kek.v1|${context}`);
  return {
    id,
    wrap: async (dataKey, context) => seal(key, dataKey, aad(context)),
    unwrap: async (wrapped, context) => {
      try {
        return open(key, wrapped, aad(context));
      } catch (cause) {
        throw new CryptoError(
          'CRYPTO_KEK_MISMATCH',
          'a data key does not unwrap under this key-encryption key',
          { cause },
        );
      }
    },
  };
}
