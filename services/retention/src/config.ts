import { loadServiceConfig, type ServiceConfig } from '@lethe/service-kit';

import { SEED_POLICY_FILE } from './policy/policy';

export interface RetentionConfig extends ServiceConfig {
  /** The retention policy file (versioned in the repo; policies/seed-policy.v1.json). */
  policyFile: string;
}

export function loadRetentionConfig(env: NodeJS.ProcessEnv = process.env): RetentionConfig {
  return {
    ...loadServiceConfig({ name: 'retention', defaultPort: 3003 }, env),
    policyFile: env.LETHE_RETENTION_POLICY_FILE || SEED_POLICY_FILE,
  };
}
