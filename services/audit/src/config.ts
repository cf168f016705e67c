import type { KeyObject } from 'node:crypto';

import { loadServiceConfig, privateKeyFrom, secretFrom, type ServiceConfig } from '@lethe/service-kit';

export interface AuditConfig extends ServiceConfig {
  /** Ed25519 private key that signs checkpoints (auditors get the public half). */
  signingKey: KeyObject;
  checkpointEvery: number;
}

export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env): AuditConfig {
  const every = Number(env.LETHE_AUDIT_CHECKPOINT_EVERY || 100);
  if (!Number.isInteger(every) || every < 1)
    throw new Error('LETHE_AUDIT_CHECKPOINT_EVERY must be a positive whole number');
  return {
    ...loadServiceConfig({ name: 'audit', defaultPort: 3005 }, env),
    signingKey: privateKeyFrom(
      secretFrom(
        env,
        'LETHE_AUDIT_SIGNING_KEY',
        'secrets/audit-key.json',
        'audit checkpoint signing key',
        (text) => (JSON.parse(text) as { privateKey: string }).privateKey,
      ),
    ),
    checkpointEvery: every,
  };
}
