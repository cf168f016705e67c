import type { Db } from 'mongodb';

import type { LegalRetentionTerm } from '../request/model';

// How long the LLM providers keep what was sent to them is the retention policy's to say
// (`llmProviders.retention`); the retention service announces it with each policy version it
// activates (PolicyVersionActivated v2). Kept in MongoDB, so a restart, or another instance,
// knows it; until one is announced, the seed policy's 30 days. The same for what an erasure
// keeps under a legal obligation (v3's legalRetention).

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

export type { LegalRetentionTerm } from '../request/model';

const LEGAL_RETENTION = 'legal-retention';

interface LegalRetentionDocument {
  _id: string;
  terms: LegalRetentionTerm[];
  policyVersion: string;
}

/** The legal retention terms of the last activated policy (PolicyVersionActivated v3); none before. */
export function legalRetention(db: Db) {
  const docs = db.collection<LegalRetentionDocument>(ERASURE_POLICY);
  return {
    async learn(terms: readonly LegalRetentionTerm[], policyVersion: string): Promise<void> {
      await docs.replaceOne(
        { _id: LEGAL_RETENTION },
        { terms: terms.map((t) => ({ ...t, categories: [...t.categories] })), policyVersion },
        { upsert: true },
      );
    },
    async current(): Promise<readonly LegalRetentionTerm[]> {
      return (await docs.findOne({ _id: LEGAL_RETENTION }))?.terms ?? [];
    },
  };
}
