import type { KeyObject } from 'node:crypto';

import {
  commaList,
  loadServiceConfig,
  privateKeyFrom,
  secretFrom,
  type ServiceConfig,
} from '@lethe/service-kit';
import { s3EnvFrom } from '@lethe/participant-s3';
import { legacySealingUntilFrom } from '@lethe/crypto';

export interface ErasureConfig extends ServiceConfig {
  /** Compacted topics keyed by subject id, on which erasure writes tombstones. */
  compactedTopics: string[];
  /** S3 buckets whose objects under `subjects/<subjectId>/` erasure deletes (LETHE_OBJECT_BUCKETS). */
  objectBuckets: string[];
  /** The consent purpose an LLM disclosure needs (LETHE_LLM_CONSENT_PURPOSE). */
  llmConsentPurpose: string;
  /** LETHE_S3_* and the CA file: how to reach those buckets (s3ClientFromEnv). */
  s3Env: Record<string, string | undefined>;
  /** Signs every task (LETHE_TASK_SIGNING_KEY: base64 PKCS#8 DER Ed25519). */
  taskSigningKey: KeyObject;
  /** Exports for access requests made before it may be sealed in the pre-HPKE format. */
  legacySealingUntil: Date;
  /** Where the audit service serves receipts (LETHE_AUDIT_URL): completed requests link there. */
  auditUrl: string;
}

export function loadErasureConfig(env: NodeJS.ProcessEnv = process.env): ErasureConfig {
  return {
    ...loadServiceConfig({ name: 'erasure', defaultPort: 3004 }, env),
    compactedTopics: commaList(env.LETHE_COMPACTED_TOPICS),
    objectBuckets: commaList(env.LETHE_OBJECT_BUCKETS),
    legacySealingUntil: legacySealingUntilFrom(env.LETHE_LEGACY_SEALING_UNTIL),
    llmConsentPurpose: env.LETHE_LLM_CONSENT_PURPOSE ?? 'llm-processing',
    auditUrl: (env.LETHE_AUDIT_URL || 'https://127.0.0.1:3005').replace(/\/$/, ''),
    s3Env: s3EnvFrom(env),
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
