import type { Db } from 'mongodb';

import { isDuplicateKey } from '@lethe/eventstore';
import type { ErasureTask, TaskResult } from '@lethe/participant';

// What was sent to which LLM provider, and when. The providers in the seed policy (OpenAI,
// Anthropic) keep API inputs and outputs for up to 30 days; Lethe cannot delete them there, so
// erasure reports the date they will be gone instead of pretending.
export const LLM_DISCLOSURES = 'llm_disclosures';
export const PROVIDER_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface LlmDisclosure {
  subjectId: string;
  provider: string;
  model: string;
  purpose: string;
  sentAt: Date;
}

/** A disclosure to record; with an id (from an Idempotency-Key) it is recorded once. */
export type NewDisclosure = Omit<LlmDisclosure, 'sentAt'> & { sentAt?: Date; disclosureId?: string };

export const LLM_PARTICIPANT = {
  participantId: 'llm-providers',
  stores: ['provider:openai', 'provider:anthropic', `mongodb:${LLM_DISCLOSURES}`],
  categories: ['account', 'user-content', 'llm-processing'],
  phase: 1,
  timeoutMs: 10_000,
} as const;

export function llmDisclosures(db: Db, now: () => Date) {
  const disclosures = db.collection<LlmDisclosure & { _id?: string }>(LLM_DISCLOSURES);
  return {
    record: async ({ disclosureId, sentAt, ...disclosure }: NewDisclosure) => {
      const doc = { ...disclosure, sentAt: sentAt ?? now(), ...(disclosureId ? { _id: disclosureId } : {}) };
      await disclosures.insertOne(doc).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error; // recorded by the first try of the same request
      });
    },

    /** The llm-providers participant's task. */
    erase: async ({ subjectId }: ErasureTask): Promise<TaskResult> => {
      const sent = await disclosures.find({ subjectId }).sort({ sentAt: -1 }).toArray();
      const lastSent = sent[0]?.sentAt;
      const retainedUntil = lastSent
        ? new Date(lastSent.getTime() + PROVIDER_RETENTION_DAYS * DAY_MS)
        : undefined;
      // Nothing found is its own read-back: no delete and no second scan (FerretDB scans for both).
      const deletedCount = sent.length === 0 ? 0 : (await disclosures.deleteMany({ subjectId })).deletedCount;
      const remaining = sent.length === 0 ? 0 : await disclosures.countDocuments({ subjectId });
      const providers = [...new Set(sent.map((d) => d.provider))].sort();
      const stillAtProvider = retainedUntil !== undefined && retainedUntil > now();
      return {
        outcome: stillAtProvider ? 'provider-retention' : sent.length > 0 ? 'erased' : 'not-found',
        counts: { [`mongodb:${LLM_DISCLOSURES}`]: deletedCount },
        verifiedEmpty: remaining === 0,
        evidence: {
          providers,
          disclosures: sent.length,
          retainedUntil: retainedUntil?.toISOString() ?? null,
          localRemaining: remaining,
        },
        ...(stillAtProvider ? { retainedUntil } : {}),
      };
    },
  };
}
