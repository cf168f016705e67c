import { randomUUID } from 'node:crypto';

import type { Binary, Db } from 'mongodb';

import type { FieldCipher } from '@lethe/crypto';
import { isDuplicateKey } from '@lethe/eventstore';
import type {
  ErasureTask,
  ExportResult,
  ExportTask,
  ParticipantDeclaration,
  TaskResult,
} from '@lethe/participant';

// Usage analytics: which feature a subject used, on which platform, when, from which user agent
// and city. Erasure does not delete them: it makes them anonymous, which the policy allows ("We
// may retain anonymous information as long as it's legally allowed", the retention policy's
// `anonymousData`). Anonymous means nothing in the kept record leads back to the subject: no
// subject id, no id that another store or log shares (each kept record gets a fresh random id),
// no quasi-identifier (user agent and city are dropped), and the time coarsened to its week.
export const USAGE_RECORDS = 'usage_records';

export const USAGE_PARTICIPANT: ParticipantDeclaration = {
  participantId: 'usage-analytics',
  stores: [`mongodb:${USAGE_RECORDS}`],
  categories: ['usage'],
  phase: 1,
  timeoutMs: 30_000,
};

export const ANONYMISATION_METHOD =
  'usage-anonymisation.v1: subject id removed; record re-keyed with a random id; userAgent and city dropped; time coarsened to the ISO week';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
const MONDAY_EPOCH_OFFSET_MS = 4 * 24 * 60 * 60 * 1000; // 1970-01-01 was a Thursday

/** The Monday 00:00 UTC that starts the ISO week of `at`. */
export function weekOf(at: number): number {
  return Math.floor((at - MONDAY_EPOCH_OFFSET_MS) / WEEK_MS) * WEEK_MS + MONDAY_EPOCH_OFFSET_MS;
}

type Sealed = Buffer | Binary;

/** While the subject is known: keyed by the ingest event (a redelivery is recorded once). */
interface IdentifiedUsage {
  _id: string;
  subjectId: string;
  feature: string;
  platform: string | null;
  at: Date;
  sealed: { userAgent?: Sealed; city?: Sealed };
  /** Set just before the anonymous copy is written, so a retried erasure writes it once. */
  anonymousId?: string;
}

/** What is kept after erasure. */
interface AnonymousUsage {
  _id: string;
  anonymous: true;
  feature: string;
  platform: string | null;
  week: Date;
}

export interface UsageInput {
  eventId: string;
  subjectId: string;
  feature: string;
  platform: string | null;
  at: Date;
  userAgent?: string;
  city?: string;
}

/** Erasure, anonymising and export find a subject's records by its id (in time order), never by a scan. */
export const createUsageIndexes = (db: Db) =>
  db.collection(USAGE_RECORDS).createIndex({ subjectId: 1, at: 1 });

export function usageRecords(db: Db, cipher: FieldCipher) {
  const identified = db.collection<IdentifiedUsage>(USAGE_RECORDS);
  const anonymous = db.collection<AnonymousUsage>(USAGE_RECORDS);
  return {
    record: async (usage: UsageInput): Promise<void> => {
      const sealed: IdentifiedUsage['sealed'] = {};
      for (const field of ['userAgent', 'city'] as const) {
        const value = usage[field];
        if (value !== undefined)
          sealed[field] = await cipher.encrypt(
            { subjectId: usage.subjectId, context: USAGE_RECORDS, recordId: usage.eventId, field },
            value,
          );
      }
      const { eventId, subjectId, feature, platform, at } = usage;
      await identified
        .insertOne({ _id: eventId, subjectId, feature, platform, at, sealed })
        .catch((error: unknown) => {
          if (!isDuplicateKey(error)) throw error;
        });
    },

    /** The subject's own usage records, opened, for its access request. */
    export: async ({ subjectId }: ExportTask): Promise<ExportResult> => {
      const found = await identified.find({ subjectId }).sort({ at: 1 }).toArray();
      const opened = await Promise.all(
        found.map(async (record) => {
          const fields: Record<string, string> = {};
          for (const field of ['userAgent', 'city'] as const) {
            const sealed = record.sealed[field];
            if (!sealed) continue;
            const address = { subjectId, context: USAGE_RECORDS, recordId: record._id, field };
            const value = await cipher.decrypt(
              address,
              Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed.buffer),
            );
            if (value.kind === 'value') fields[field] = value.value;
          }
          return {
            feature: record.feature,
            platform: record.platform,
            at: record.at.toISOString(),
            ...fields,
          };
        }),
      );
      return { records: { [`mongodb:${USAGE_RECORDS}`]: opened } };
    },

    /** The usage-analytics participant's task: anonymise, then read back that nothing names the subject. */
    anonymise: async ({ subjectId }: ErasureTask): Promise<TaskResult> => {
      const found = await identified.find({ subjectId }).toArray();
      for (const record of found) {
        const anonymousId = record.anonymousId ?? randomUUID();
        if (!record.anonymousId) await identified.updateOne({ _id: record._id }, { $set: { anonymousId } });
        await anonymous
          .insertOne({
            _id: anonymousId,
            anonymous: true,
            feature: record.feature,
            platform: record.platform,
            week: new Date(weekOf(record.at.getTime())),
          })
          .catch((error: unknown) => {
            if (!isDuplicateKey(error)) throw error; // written by an earlier attempt
          });
      }
      const { deletedCount } =
        found.length > 0 ? await identified.deleteMany({ subjectId }) : { deletedCount: 0 };
      const remaining = found.length > 0 ? await identified.countDocuments({ subjectId }) : 0;
      return {
        outcome: found.length > 0 ? 'anonymised' : 'not-found',
        counts: { [`mongodb:${USAGE_RECORDS}`]: deletedCount },
        verifiedEmpty: remaining === 0,
        evidence: {
          recordsAnonymised: found.length,
          identifiedRemaining: remaining,
          method: ANONYMISATION_METHOD,
          policyClause: 'anonymousData',
        },
      };
    },
  };
}
