import type { Db } from 'mongodb';

import type { ChainEntry } from '@lethe/audit-ledger';
import type { LetheEvent } from '@lethe/events';
import { isDuplicateKey } from '@lethe/eventstore';

export const AUDIT_TIMELINE = 'audit_erasure_timeline';

interface TimelineDocument {
  _id: string; // the event id: an entry written twice (a retried batch) is stored once
  requestId: string;
  type: string;
  occurredAt: Date;
  seq: number;
  summary: string;
}

export interface TimelineStep {
  seq: number;
  type: string;
  occurredAt: string;
  eventId: string;
  summary: string;
}

/** An index of each erasure request's ledgered events, for the timeline endpoint. */
export interface RequestTimelines {
  /** Indexes an entry if its event belongs to an erasure request (idempotent). */
  record(entry: ChainEntry, event: LetheEvent | undefined): Promise<void>;
  /** The request's steps in ledger order; empty for an unknown request. */
  of(requestId: string): Promise<TimelineStep[]>;
}

function summaryOf(event: LetheEvent): string {
  const data = event.data as unknown as Record<string, unknown>;
  const fields = [
    'participantId',
    'attempt',
    'outcome',
    'verifiedEmpty',
    'code',
    'result',
    'reason',
    'regulation',
    'retriedBy',
    'extendedBy',
  ];
  return fields
    .filter((field) => data[field] !== undefined && data[field] !== null)
    .map((field) => `${field}=${String(data[field])}`)
    .join(' ');
}

/** A request's timeline is found by its id, never by a scan of every request's events. */
export const createRequestTimelineIndexes = (db: Db) =>
  db.collection(AUDIT_TIMELINE).createIndex({ requestId: 1 });

export function mongoRequestTimelines(db: Db): RequestTimelines {
  const timeline = db.collection<TimelineDocument>(AUDIT_TIMELINE);
  return {
    async record(entry, event) {
      const requestId = (event?.data as { requestId?: unknown } | undefined)?.requestId;
      if (!event || typeof requestId !== 'string' || !event.envelope.type.startsWith('Erasure')) return;
      await timeline
        .insertOne({
          _id: event.envelope.eventId,
          requestId,
          type: event.envelope.type,
          occurredAt: new Date(event.envelope.occurredAt),
          seq: entry.seq,
          summary: summaryOf(event),
        })
        .catch((error: unknown) => {
          if (!isDuplicateKey(error)) throw error;
        });
    },
    async of(requestId) {
      const events = await timeline.find({ requestId }).toArray();
      return events
        .sort((a, b) => a.seq - b.seq)
        .map((e) => ({
          seq: e.seq,
          type: e.type,
          occurredAt: e.occurredAt.toISOString(),
          eventId: e._id,
          summary: e.summary,
        }));
    },
  };
}
