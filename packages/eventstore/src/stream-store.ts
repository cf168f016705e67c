import type { Binary, Collection, Db } from 'mongodb';

import { EventStoreError } from './errors';

/** An event ready for Kafka: already encoded (Confluent wire format, personal fields sealed). */
export interface OutboxRecord {
  readonly eventId: string;
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One commit of a stream: the state after it and the events it added. `_id` is
 * `<streamId>#<version>`, so two writers of the same version collide on the primary key.
 */
export interface StreamDocument<State> {
  _id: string;
  streamId: string;
  version: number;
  state: State;
  /** The commit's events until the relay has published them. */
  outbox: StoredOutboxRecord[];
  /** True until the relay has published the outbox. */
  pending: boolean;
  committedAt: Date;
  /** True on the newest commit of its stream (older ones are cleared after each append). */
  head: boolean;
  /** When the stream wants to be woken (e.g. a task deadline), set on the head commit only. */
  timer: Date | null;
}

// Header names such as `lethe.event-id` hold dots, which FerretDB refuses as document keys, so
// headers are stored as name/value pairs.
type StoredOutboxRecord = Omit<OutboxRecord, 'value' | 'headers'> & {
  value: Buffer | Binary;
  headers: { name: string; value: string }[];
};

function toStored(record: OutboxRecord): StoredOutboxRecord {
  return { ...record, headers: Object.entries(record.headers).map(([name, value]) => ({ name, value })) };
}

export interface LoadedStream<State> {
  readonly version: number;
  readonly state: State;
}

export interface StreamStore<State> {
  readonly collection: Collection<StreamDocument<State>>;
  load(streamId: string): Promise<LoadedStream<State> | undefined>;
  /**
   * Stores the new state and its events in one single-document insert, if the stream is still at
   * `expectedVersion` (0 for a new stream); otherwise throws EVENTSTORE_CONFLICT. No
   * multi-document transaction is needed, so this works on FerretDB as on MongoDB.
   */
  append(
    streamId: string,
    expectedVersion: number,
    state: State,
    records: readonly OutboxRecord[],
    now: Date,
    timer?: Date | null,
  ): Promise<number>;
  /**
   * Streams whose head commit set a timer that is due. The timer is written in the same insert
   * as the state, so a crash cannot lose it; callers re-check the state they load.
   */
  dueTimers(now: Date, limit?: number): Promise<string[]>;
}

const DUPLICATE_KEY = 11000;

export function toOutboxRecord(stored: StoredOutboxRecord): OutboxRecord {
  const value = stored.value;
  return {
    ...stored,
    value: Buffer.isBuffer(value) ? value : Buffer.from(value.buffer),
    headers: Object.fromEntries(stored.headers.map(({ name, value: headerValue }) => [name, headerValue])),
  };
}

export function commitId(streamId: string, version: number): string {
  return `${streamId}#${String(version).padStart(12, '0')}`;
}

/**
 * Streams as commit documents. The design card's single document per stream, updated by
 * compare-and-set on `version`, is not safe on FerretDB 1.24: concurrent `updateOne`s with the
 * same version filter all succeed there (measured: 19 rounds of 20 had several winners), which
 * loses updates. An insert of `<streamId>#<version>` is atomic on MongoDB and on FerretDB alike
 * (the primary key decides), so optimistic concurrency rests on that instead.
 */
export async function createStreamStore<State>({
  db,
  collection,
}: {
  db: Db;
  collection: string;
}): Promise<StreamStore<State>> {
  const commits = db.collection<StreamDocument<State>>(collection);
  await commits.createIndex({ streamId: 1, version: -1 });
  await commits.createIndex({ pending: 1 });
  await commits.createIndex({ head: 1, timer: 1 });

  return {
    collection: commits,

    async load(streamId) {
      const head = await commits.findOne(
        { streamId },
        { sort: { version: -1 }, projection: { version: 1, state: 1 } },
      );
      return head ? { version: head.version, state: head.state } : undefined;
    },

    async append(streamId, expectedVersion, state, records, now, timer = null) {
      const version = expectedVersion + 1;
      try {
        await commits.insertOne({
          _id: commitId(streamId, version),
          streamId,
          version,
          state,
          outbox: records.map(toStored),
          pending: records.length > 0,
          committedAt: now,
          head: true,
          timer,
        } as StreamDocument<State>);
      } catch (error) {
        if ((error as { code?: unknown }).code === DUPLICATE_KEY) {
          throw new EventStoreError(
            'EVENTSTORE_CONFLICT',
            `stream ${streamId} moved past version ${expectedVersion}`,
            true,
          );
        }
        throw error;
      }
      // Best effort: a crash here leaves an older commit marked head, which dueTimers skips.
      await commits.updateMany(
        { streamId, version: { $lt: version }, head: true },
        { $set: { head: false, timer: null } },
      );
      return version;
    },

    async dueTimers(now, limit = 100) {
      const due = await commits
        .find({ head: true, timer: { $ne: null, $lte: now } }, { projection: { streamId: 1, version: 1 } })
        .limit(limit)
        .toArray();
      const streamIds: string[] = [];
      for (const commit of due) {
        const head = await commits.findOne(
          { streamId: commit.streamId },
          { sort: { version: -1 }, projection: { version: 1 } },
        );
        if (head?.version === commit.version) streamIds.push(commit.streamId);
        else await commits.updateOne({ _id: commit._id }, { $set: { head: false, timer: null } });
      }
      return streamIds;
    },
  };
}
