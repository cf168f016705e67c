import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';

import { CryptoError } from './errors';
import type { KeyEncryptionKey } from './kek';

// The KEK inside AWS KMS: subject keys are wrapped and unwrapped by KMS, and the KEK itself never
// reaches Lethe. The wrap's context goes into KMS's encryption context (its AAD), so a wrapped
// key opens for its own subject's document alone, as with the local KEK; CloudTrail then logs
// each unwrap with the subject key it was for.

/** The errors KMS answers when a ciphertext does not open under this key and context. */
const MISMATCH = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

export function awsKmsKek({ client, keyId }: { client: KMSClient; keyId: string }): KeyEncryptionKey {
  const encryptionContext = (context: string) => ({ lethe: context });
  return {
    id: `aws-kms:${keyId}`,
    async wrap(dataKey, context) {
      const { CiphertextBlob } = await client.send(
        new EncryptCommand({
          KeyId: keyId,
          Plaintext: dataKey,
          EncryptionContext: encryptionContext(context),
        }),
      );
      if (!CiphertextBlob) throw new CryptoError('CRYPTO_KEK_MISMATCH', 'KMS returned no ciphertext');
      return Buffer.from(CiphertextBlob);
    },
    async unwrap(wrapped, context) {
      try {
        const { Plaintext } = await client.send(
          new DecryptCommand({
            KeyId: keyId,
            CiphertextBlob: wrapped,
            EncryptionContext: encryptionContext(context),
          }),
        );
        if (!Plaintext) throw new CryptoError('CRYPTO_KEK_MISMATCH', 'KMS returned no plaintext');
        return Buffer.from(Plaintext);
      } catch (cause) {
        if (MISMATCH.has((cause as Error).name))
          throw new CryptoError('CRYPTO_KEK_MISMATCH', 'a data key does not unwrap under this KMS key', {
            cause,
          });
        throw cause;
      }
    },
  };
}
