import type { KeyObject } from 'node:crypto';

import { legacySealingUntilFrom, sealingPrivateKeyFrom } from '@lethe/crypto';
import { loadServiceConfig, secretFrom, type ServiceConfig } from '@lethe/service-kit';

export interface AccountConfig extends ServiceConfig {
  /** X25519 private key: other services seal ingest fields to its public half. */
  ingestSealingKey: KeyObject;
  /** Until when ingest fields sealed in the pre-HPKE format still open. */
  legacySealingUntil: Date;
}

export function loadAccountConfig(env: NodeJS.ProcessEnv = process.env): AccountConfig {
  return {
    ...loadServiceConfig({ name: 'account', defaultPort: 3001 }, env),
    legacySealingUntil: legacySealingUntilFrom(env.LETHE_LEGACY_SEALING_UNTIL),
    ingestSealingKey: sealingPrivateKeyFrom(
      secretFrom(
        env,
        'LETHE_ACCOUNT_INGEST_PRIVATE_KEY',
        'secrets/ingest-key.json',
        'ingest sealing key',
        (text) => (JSON.parse(text) as { privateKey: string }).privateKey,
      ),
    ),
  };
}
