import { loadServiceConfig, type ServiceConfig } from '@lethe/service-kit';

import { DEFAULT_PURPOSES_FILE } from './consent/purposes';

export interface ConsentConfig extends ServiceConfig {
  /** The purposes a subject can consent to (JSON; see purposes.json). */
  purposesFile: string;
  /** The privacy policy version recorded with decisions taken from an opt-out signal. */
  policyVersion: string;
}

export function loadConsentConfig(env: NodeJS.ProcessEnv = process.env): ConsentConfig {
  return {
    ...loadServiceConfig({ name: 'consent', defaultPort: 3002 }, env),
    purposesFile: env.LETHE_CONSENT_PURPOSES_FILE || DEFAULT_PURPOSES_FILE,
    policyVersion: env.LETHE_CONSENT_POLICY_VERSION || 'seed-policy',
  };
}
