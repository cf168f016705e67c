import type { KeyObject } from 'node:crypto';

import { loadServiceConfig, privateKeyFrom, secretFrom, type ServiceConfig } from '@lethe/service-kit';

import { DEFAULT_DEDUPE_WINDOW } from './ledger/writer';

export interface AuditConfig extends ServiceConfig {
  /** Ed25519 private key that signs checkpoints (auditors get the public half). */
  signingKey: KeyObject;
  checkpointEvery: number;
  /** LETHE_AUDIT_CHECKPOINT_IDLE_MS: a checkpoint once the writer is quiet this long (0: off). */
  checkpointIdleMs: number;
  /** LETHE_AUDIT_DEDUPE_WINDOW: how many of the latest event ids a second copy is recognised by. */
  dedupeWindow: number;
}

export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env): AuditConfig {
  const every = Number(env.LETHE_AUDIT_CHECKPOINT_EVERY || 100);
  if (!Number.isInteger(every) || every < 1)
    throw new Error('LETHE_AUDIT_CHECKPOINT_EVERY must be a positive whole number');
  const idle = Number(env.LETHE_AUDIT_CHECKPOINT_IDLE_MS ?? 5_000);
  if (!Number.isInteger(idle) || idle < 0)
    throw new Error('LETHE_AUDIT_CHECKPOINT_IDLE_MS must be a whole number of milliseconds (0: off)');
  const dedupeWindow = Number(env.LETHE_AUDIT_DEDUPE_WINDOW || DEFAULT_DEDUPE_WINDOW);
  if (!Number.isInteger(dedupeWindow) || dedupeWindow < 1)
    throw new Error('LETHE_AUDIT_DEDUPE_WINDOW must be a positive whole number of event ids');
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
    checkpointIdleMs: idle,
    dedupeWindow,
  };
}
