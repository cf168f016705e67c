// The crypto package's one error family (STYLE.md section 6). Messages never hold key material,
// plaintext or ciphertext.
export type CryptoErrorCode =
  | 'CRYPTO_SUBJECT_ERASED'
  | 'CRYPTO_KEY_MISSING'
  | 'CRYPTO_BAD_TAG'
  | 'CRYPTO_MALFORMED'
  | 'CRYPTO_FORMAT_RETIRED'
  | 'CRYPTO_KEK_MISMATCH'
  | 'CRYPTO_CONFIG_INVALID';

export const CRYPTO_ERROR_CODES: readonly CryptoErrorCode[] = [
  'CRYPTO_SUBJECT_ERASED',
  'CRYPTO_KEY_MISSING',
  'CRYPTO_BAD_TAG',
  'CRYPTO_MALFORMED',
  'CRYPTO_FORMAT_RETIRED',
  'CRYPTO_KEK_MISMATCH',
  'CRYPTO_CONFIG_INVALID',
];

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  readonly retriable = false;

  constructor(
    readonly code: CryptoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
