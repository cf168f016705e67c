import { loadServiceConfig, type ServiceConfig } from '@lethe/service-kit';

export interface ErasureConfig extends ServiceConfig {
  /** Compacted topics keyed by subject id, on which erasure writes tombstones. */
  compactedTopics: string[];
}

export function loadErasureConfig(env: NodeJS.ProcessEnv = process.env): ErasureConfig {
  return {
    ...loadServiceConfig({ name: 'erasure', defaultPort: 3004 }, env),
    compactedTopics: (env.LETHE_COMPACTED_TOPICS ?? '')
      .split(',')
      .map((topic) => topic.trim())
      .filter(Boolean),
  };
}
