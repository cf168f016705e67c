import { readFileSync } from 'node:fs';
import https from 'node:https';

import { KMSClient } from '@aws-sdk/client-kms';

import { awsKmsKek } from './aws-kms-kek';
import { kekRing, localKek, type KeyEncryptionKey } from './kek';

/** Where the key-encryption key lives, as configuration says (service-kit reads LETHE_KEK_*). */
export type KekSettings =
  | { readonly kind: 'local'; readonly key: string; readonly retired: readonly string[] }
  | {
      readonly kind: 'aws-kms';
      readonly keyId: string;
      readonly region: string;
      /** A KMS-compatible endpoint instead of AWS's own (a VPC endpoint, a test double). */
      readonly endpoint: string | undefined;
      /** Local KEKs being migrated away from: they still unwrap until rotate-kek has run. */
      readonly retired: readonly string[];
    };

/** The KEK a process runs with; `caFile` is trusted for a KMS endpoint under a private CA. */
export function keyEncryptionKeyFrom(settings: KekSettings, caFile?: string): KeyEncryptionKey {
  const retired = settings.retired.map(localKek);
  if (settings.kind === 'local') return kekRing(localKek(settings.key), retired);
  const client = new KMSClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(caFile
      ? { requestHandler: { httpsAgent: new https.Agent({ ca: readFileSync(caFile), keepAlive: true }) } }
      : {}),
  });
  return kekRing(awsKmsKek({ client, keyId: settings.keyId }), retired);
}
