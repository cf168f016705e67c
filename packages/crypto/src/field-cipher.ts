import { open, seal } from './aead';
import { CryptoError, type CryptoErrorCode } from './errors';
import type { KeyVault } from './key-vault';

/** Where a personal field lives; all of it is bound into the ciphertext as associated data, so a
 * value copied to another subject, record or field does not open. */
export interface FieldAddress {
  subjectId: string;
  /** The topic or collection. */
  context: string;
  /** The eventId or document id. */
  recordId: string;
  field: string;
}

export type Decrypted =
  | { readonly kind: 'value'; readonly value: string }
  /** The subject's key was destroyed by an erasure: replay shows a typed placeholder. */
  | { readonly kind: 'erased' }
  /** Tampering, a wrong context, or a key missing with no erasure on record: never erasure. */
  | { readonly kind: 'error'; readonly code: CryptoErrorCode };

export const ERASED = Object.freeze({ kind: 'erased' } as const);

export interface FieldCipher {
  encrypt(address: FieldAddress, plaintext: string): Promise<Buffer>;
  decrypt(address: FieldAddress, sealed: Buffer): Promise<Decrypted>;
}

export function fieldAssociatedData({ subjectId, context, recordId, field }: FieldAddress): Buffer {
  // JSON keeps the parts apart: no separator inside an id can shift one into the next.
  return Buffer.from(JSON.stringify(['lethe.field.v1', subjectId, context, recordId, field]));
}

export function createFieldCipher({ vault }: { vault: KeyVault }): FieldCipher {
  return {
    async encrypt(address, plaintext) {
      const key = await vault.keyFor(address.subjectId);
      return seal(key, Buffer.from(plaintext, 'utf8'), fieldAssociatedData(address));
    },

    async decrypt(address, sealed) {
      const found = await vault.lookup(address.subjectId);
      if (found.kind === 'erased') return ERASED;
      if (found.kind === 'missing') return { kind: 'error', code: 'CRYPTO_KEY_MISSING' };
      try {
        return {
          kind: 'value',
          value: open(found.key, sealed, fieldAssociatedData(address)).toString('utf8'),
        };
      } catch (error) {
        if (error instanceof CryptoError) return { kind: 'error', code: error.code };
        throw error;
      }
    },
  };
}
