import type { Db } from 'mongodb';

// How long the LLM providers keep what was sent to them is the retention policy's to say
// (`llmProviders.retention`); the retention service announces it with each policy version it
// activates (PolicyVersionActivated v2). Kept in MongoDB, so a restart, or another instance,
// knows it; until one is announced, the seed policy's 30 days.

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_PROVIDER_RETENTION_MS = 30 * DAY_MS;
const ERASURE_POLICY = 'erasure_policy';
const LLM_PROVIDERS = 'llm-providers';

interface ProviderRetentionDocument {
  _id: string;
  retentionMs: number;
  policyVersion: string;
}

export interface ProviderRetention {
  learn(retentionMs: number, policyVersion: string): Promise<void>;
  current(): Promise<number>;
}

export function providerRetention(db: Db): ProviderRetention {
  const docs = db.collection<ProviderRetentionDocument>(ERASURE_POLICY);
  return {
    async learn(retentionMs, policyVersion) {
      await docs.replaceOne({ _id: LLM_PROVIDERS }, { retentionMs, policyVersion }, { upsert: true });
    },
    // Read at each use (one lookup by _id per llm-providers task): the instance that consumed
    // the announcement may not be this one.
    async current() {
      return (await docs.findOne({ _id: LLM_PROVIDERS }))?.retentionMs ?? DEFAULT_PROVIDER_RETENTION_MS;
    },
  };
}
