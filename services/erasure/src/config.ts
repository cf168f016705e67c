import type { KeyObject } from 'node:crypto';

import {
  commaList,
  loadServiceConfig,
  privateKeyFrom,
  secretFrom,
  type ServiceConfig,
} from '@lethe/service-kit';

export interface ErasureConfig extends ServiceConfig {
  /** Compacted topics keyed by subject id, on which erasure writes tombstones. */
  compactedTopics: string[];
  /** Signs every task (LETHE_TASK_SIGNING_KEY: base64 PKCS#8 DER Ed25519). */
  taskSigningKey: KeyObject;
}

export function loadErasureConfig(env: NodeJS.ProcessEnv = process.env): ErasureConfig {
  return {
    ...loadServiceConfig({ name: 'erasure', defaultPort: 3004 }, env),
    compactedTopics: commaList(env.LETHE_COMPACTED_TOPICS),
    taskSigningKey: privateKeyFrom(
      secretFrom(
        env,
        'LETHE_TASK_SIGNING_KEY',
        'secrets/task-signing-key.json',
        'task signing key',
        (text) => (JSON.parse(text) as { privateKey: string }).privateKey,
      ),
    ),
  };
}
