import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

import type { OpenDsrRequestType } from './opendsr-request';

// What the portal keeps of an OpenDSR request: who sent it, Lethe's request it became, the
// state last told to each callback URL. Never the identity the controller sent: the subject id
// (Lethe's pseudonym) is all that is kept. Records live 90 days after their last change.

export type OpenDsrStatus = 'pending' | 'in_progress' | 'completed' | 'cancelled';

export interface CallbackState {
  readonly url: string;
  /** The status this URL last acknowledged with a 2xx; null before the first. */
  readonly delivered: OpenDsrStatus | null;
  readonly attempts: number;
  /** Epoch ms: not called again before this. */
  readonly nextAt: number;
  /** Epoch ms of the first failure of the current delivery; null while none failed. */
  readonly failingSince: number | null;
}

export interface OpenDsrRecord {
  readonly controllerId: string;
  readonly subjectRequestId: string;
  readonly type: OpenDsrRequestType;
  readonly regulation: string;
  /** Lethe's subject; null when the identity matched no account. */
  readonly subjectId: string | null;
  /** Lethe's erasure or access request; null until it is made (or when there is no subject). */
  readonly requestId: string | null;
  readonly receivedAt: string;
  readonly expectedAt: string;
  readonly status: OpenDsrStatus;
  readonly resultsCount: number | null;
  readonly callbacks: readonly CallbackState[];
}

const LIFETIME_SECONDS = 90 * 24 * 60 * 60;

export interface OpenDsrStore {
  /** Keeps a new record, or returns the one already kept for this controller and id. */
  claim(record: OpenDsrRecord): Promise<{ created: boolean; record: OpenDsrRecord }>;
  find(controllerId: string, subjectRequestId: string): Promise<OpenDsrRecord | undefined>;
  /** Saves the request's own fields; its callbacks' states are saved one by one, apart. */
  save(record: OpenDsrRecord): Promise<void>;
  saveCallback(record: OpenDsrRecord, index: number, state: CallbackState): Promise<void>;
  /** Records with a status or a callback still to settle. */
  watched(): Promise<OpenDsrRecord[]>;
  unwatch(record: OpenDsrRecord): Promise<void>;
}

// The request's fields and its callbacks' states are kept under two keys, so saving one never
// writes back a stale copy of the other (a status read and a callback answered at once).
export function openDsrStore(redis: Redis, prefix = 'lethe:portal:opendsr:'): OpenDsrStore {
  const WATCHED = `${prefix}watched`;
  // The controller id is a token's subject: hashed, so no character in it can shape the key.
  const keyOf = (controllerId: string, id: string) =>
    `${prefix}${createHash('sha256').update(controllerId).digest('base64url')}:${id}`;
  const keyOfRecord = (record: OpenDsrRecord) => keyOf(record.controllerId, record.subjectRequestId);
  const callbacksKey = (key: string) => `${key}:callbacks`;
  const fields = (record: OpenDsrRecord) => JSON.stringify({ ...record, callbacks: undefined });

  async function load(key: string): Promise<OpenDsrRecord | undefined> {
    const [text, states] = await Promise.all([redis.get(key), redis.hgetall(callbacksKey(key))]);
    if (!text) return undefined;
    const callbacks = Object.entries(states)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, state]) => JSON.parse(state) as CallbackState);
    return { ...(JSON.parse(text) as Omit<OpenDsrRecord, 'callbacks'>), callbacks };
  }

  return {
    async claim(record) {
      const key = keyOfRecord(record);
      const set = await redis.set(key, fields(record), 'EX', LIFETIME_SECONDS, 'NX');
      if (set !== 'OK') return { created: false, record: (await load(key)) ?? record };
      const multi = redis.multi();
      record.callbacks.forEach((state, index) =>
        multi.hset(callbacksKey(key), String(index), JSON.stringify(state)),
      );
      await multi.expire(callbacksKey(key), LIFETIME_SECONDS).sadd(WATCHED, key).exec();
      return { created: true, record };
    },
    async find(controllerId, id) {
      return load(keyOf(controllerId, id));
    },
    async save(record) {
      const key = keyOfRecord(record);
      await redis
        .multi()
        .set(key, fields(record), 'EX', LIFETIME_SECONDS)
        .expire(callbacksKey(key), LIFETIME_SECONDS)
        .exec();
    },
    async saveCallback(record, index, state) {
      await redis.hset(callbacksKey(keyOfRecord(record)), String(index), JSON.stringify(state));
    },
    async watched() {
      const records: OpenDsrRecord[] = [];
      for (const key of await redis.smembers(WATCHED)) {
        const record = await load(key);
        if (record) records.push(record);
        else await redis.srem(WATCHED, key);
      }
      return records;
    },
    async unwatch(record) {
      await redis.srem(WATCHED, keyOfRecord(record));
    },
  };
}
