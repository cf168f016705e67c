import { randomUUID } from 'node:crypto';

import type { Binary, Db } from 'mongodb';

import type { FieldCipher } from '@lethe/crypto';
import { isDuplicateKey } from '@lethe/eventstore';
import type { ErasureTask, ExportResult, ExportTask, TaskResult } from '@lethe/participant';

// What was sent to which LLM provider, and when. The providers in the seed policy (OpenAI,
// Anthropic) keep API inputs and outputs for up to 30 days; Lethe cannot delete them there, so
// erasure reports the date they will be gone instead of pretending.
export const LLM_DISCLOSURES = 'llm_disclosures';

export interface LlmDisclosure {
  subjectId: string;
  provider: string;
  model: string;
  purpose: string;
  sentAt: Date;
}

/** A disclosure to record; with an id (from an Idempotency-Key) it is recorded once. */
export type NewDisclosure = Omit<LlmDisclosure, 'sentAt'> & { sentAt?: Date; disclosureId?: string };

/**
 * As stored: the model and the purpose are free text about the subject, so they are sealed
 * under the subject's key and shredding it leaves them unreadable wherever a copy went (a
 * backup, a replica). The provider and the time stay clear: erasure reads them.
 */
interface StoredDisclosure {
  _id: string;
  subjectId: string;
  provider: string;
  sealed: { model: Binary | Buffer; purpose: Binary | Buffer };
  sentAt: Date;
}

type SealedField = 'model' | 'purpose';

export const LLM_PARTICIPANT = {
  participantId: 'llm-providers',
  stores: ['provider:openai', 'provider:anthropic', `mongodb:${LLM_DISCLOSURES}`],
  categories: ['account', 'user-content', 'llm-processing'],
  phase: 1,
  timeoutMs: 10_000,
} as const;

/** Erasure and export find a subject's disclosures by its id (in time order), never by a scan. */
export const createLlmDisclosureIndexes = (db: Db) =>
  db.collection(LLM_DISCLOSURES).createIndex({ subjectId: 1, sentAt: 1 });

export function llmDisclosures(
  db: Db,
  now: () => Date,
  cipher: FieldCipher,
  /** How long the providers keep what they were sent (the retention policy's llmProviders). */
  providerRetentionMs: () => Promise<number>,
) {
  const disclosures = db.collection<StoredDisclosure>(LLM_DISCLOSURES);
  return {
    /** Records it once; says under which id and with which time. */
    record: async ({ disclosureId, sentAt, subjectId, provider, ...text }: NewDisclosure) => {
      const _id = disclosureId ?? randomUUID();
      const seal = (field: SealedField) =>
        cipher.encrypt({ subjectId, context: LLM_DISCLOSURES, recordId: _id, field }, text[field]);
      const sealed = { model: await seal('model'), purpose: await seal('purpose') };
      const doc: StoredDisclosure = { _id, subjectId, provider, sealed, sentAt: sentAt ?? now() };
      await disclosures.insertOne(doc).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error; // recorded by the first try of the same request
      });
      return { disclosureId: _id, sentAt: doc.sentAt };
    },

    /** What was sent to which LLM provider, when, and until when the provider keeps it. */
    export: async ({ subjectId }: ExportTask): Promise<ExportResult> => {
      const sent = await disclosures.find({ subjectId }).sort({ sentAt: 1 }).toArray();
      const retentionMs = await providerRetentionMs();
      const opened = await Promise.all(
        sent.map(async (doc) => {
          const open = async (field: SealedField) => {
            const sealed = doc.sealed[field];
            const address = { subjectId, context: LLM_DISCLOSURES, recordId: doc._id, field };
            const value = await cipher.decrypt(
              address,
              Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed.buffer),
            );
            return value.kind === 'value' ? value.value : null;
          };
          return {
            provider: doc.provider,
            model: await open('model'),
            purpose: await open('purpose'),
            sentAt: doc.sentAt.toISOString(),
            providerKeepsUntil: new Date(doc.sentAt.getTime() + retentionMs).toISOString(),
          };
        }),
      );
      return { records: { [`mongodb:${LLM_DISCLOSURES}`]: opened } };
    },

    /** The llm-providers participant's task. */
    erase: async ({ subjectId }: ErasureTask): Promise<TaskResult> => {
      const sent = await disclosures.find({ subjectId }).sort({ sentAt: -1 }).toArray();
      const lastSent = sent[0]?.sentAt;
      const retainedUntil = lastSent
        ? new Date(lastSent.getTime() + (await providerRetentionMs()))
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
