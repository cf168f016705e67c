import type { Collection } from 'mongodb';

import { BoundedMap } from '@lethe/bounded-map';

import { eachAtOnce } from './each-at-once';
import { isDuplicateKey } from './errors';
import { createInsertBatcher } from './insert-batcher';
import type { LoadedStream, LoadOptions } from './stream-store';

/** A stream that wants to be woken; may be early or stale, never missing (see due). */
export interface TimerDocument {
  _id: string;
  at: Date;
}

const CACHED_STREAMS = 10_000;

/**
 * When streams want waking, in a small side collection holding only what is pending. A stored
 * time may be early (due() moves it on to what the newest commit wants) but never missing.
 */
/** Due entries checked against their streams at once (each a store round trip or two). */
const DUE_CHECKED_AT_ONCE = 16;

/**
 * Between two looks at the collection, due() goes by the earliest time it knows of (from its
 * last look, and every timer this process set since) and asks the store nothing while that is in
 * the future. A timer another process set is seen at the next look: this long later at most,
 * or twenty times as long as a look takes where there are so many timers that a look is slow.
 * The reason: the MongoDB-wire server scans the whole collection for a range filter, and a
 * sweep every 500 ms over 7,500 retention clocks kept it at 29% of a core with the stack idle.
 */
export const LOOK_AT_LEAST_EVERY_MS = 5_000;

/**
 * A look reads every entry (the server sorts in memory), so with 100,000 pending timers one took
 * seconds, and a look every 5 s kept the server busy more than half the time. The look made only
 * to see other processes' timers therefore waits at least this many times as long as the last one
 * took: at most about 5% of the time goes to it, whatever the number of timers.
 */
const LOOK_COST_FACTOR = 20;

/**
 * Entries one look reads. The server sorts by reading every entry whatever the limit (FerretDB
 * 1.x pushes no sort down), so a look costs the same for 100 or 10,000: 100,000 clocks expiring
 * at once take 10 looks, not 200 of a sweeper's batches. The due ones wait in memory (ids and
 * times, about 1 MB) for the next calls.
 */
const LOOKED_AT_ONCE = 10_000;

export function createStreamTimers<State>(
  timers: Collection<TimerDocument>,
  load: (streamId: string, options?: LoadOptions) => Promise<LoadedStream<State> | undefined>,
  lookEveryMs = LOOK_AT_LEAST_EVERY_MS,
) {
  // The wake-up time this process last stored per stream. A stored time that is early is fine,
  // so a later timer needs no write: most commits write none.
  const storedTimers = new BoundedMap<string, number>(CACHED_STREAMS);
  const inserts = createInsertBatcher(timers);
  const earliest = earliestKnownTimer(lookEveryMs);
  const backlog = dueBacklog();

  /** The earliest entries, due or not: the first one not yet due says when to look next. */
  async function look(now: number, limit: number): Promise<TimerDocument[]> {
    const started = earliest.lookStarts();
    const first = await timers
      .find({})
      .sort({ at: 1 })
      .limit(Math.max(limit, LOOKED_AT_ONCE))
      .toArray()
      .finally(() => earliest.lookEnded(started));
    const due = first.filter((entry) => entry.at.getTime() <= now);
    // With entries due, the next look comes once they are handed out (more may be behind them,
    // and one whose wake-up fails stays due); without, the first entry says when to look again.
    earliest.looked(started, due.length > 0 ? undefined : (first[0]?.at.getTime() ?? null));
    backlog.keep(due.slice(limit));
    return due.slice(0, limit);
  }

  return {
    /** Written before the commit, so a crash cannot lose a timer; a stale one is healed by due(). */
    async set(streamId: string, at: Date): Promise<void> {
      const stored = storedTimers.get(streamId);
      if (stored !== undefined && stored <= at.getTime()) return;
      // Insert first: a stream this process has not stored a timer for is most often a new
      // one, and then one round trip does (an update first took two).
      try {
        await inserts.insert({ _id: streamId, at });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        await timers.updateOne({ _id: streamId }, { $set: { at } });
      }
      storedTimers.set(streamId, at.getTime());
      earliest.stored(at.getTime());
    },

    async due(now: Date, limit = 100): Promise<string[]> {
      let due = backlog.take(now.getTime(), limit);
      if (due.length === 0) {
        if (earliest.nothingDueBy(now.getTime())) return [];
        due = await look(now.getTime(), limit);
      }
      const streamIds: string[] = [];
      await eachAtOnce(due, DUE_CHECKED_AT_ONCE, async (entry) => {
        // What this process last saw is enough to wake the stream: a stale view only costs a
        // Tick that decides nothing. Not to drop or postpone the timer: another instance may
        // have committed since, with this timer, and it would never fire.
        let head = await load(entry._id, { trustCache: true });
        if ((head?.timer?.getTime() ?? Infinity) > now.getTime()) head = await load(entry._id);
        const wanted = head?.timer ?? null;
        storedTimers.delete(entry._id);
        if (wanted === null) await timers.deleteOne({ _id: entry._id, at: entry.at });
        else if (wanted.getTime() > now.getTime()) {
          await timers.updateOne({ _id: entry._id, at: entry.at }, { $set: { at: wanted } });
          storedTimers.set(entry._id, wanted.getTime());
          earliest.stored(wanted.getTime());
        } else streamIds.push(entry._id);
      });
      return streamIds;
    },

    /** Timers due by `now`, counted up to `upTo`, waking nothing (what /metrics shows). */
    async countDue(now: Date, upTo: number): Promise<number> {
      if (backlog.size() === 0 && earliest.nothingDueBy(now.getTime())) return 0;
      return timers.countDocuments({ at: { $lte: now } }, { limit: upTo });
    },
  };
}

/** A look at the timers: when it started, and the earliest timer this process stored since. */
interface Look {
  readonly at: number;
  storedEarliest: number;
}

/**
 * The earliest wake-up time this process knows to be stored: from its last look at the timers
 * (null: there were none) and every timer it stored since. Undefined: unknown, look.
 */
function earliestKnownTimer(lookEveryMs: number) {
  let earliestAt: number | null | undefined;
  let lookedAt = 0;
  let lastLookMs = 0;
  /** Looks on the wire, each with the earliest timer this process stored meanwhile. */
  const looks = new Set<Look>();
  return {
    /** Nothing can be due by `now` that a look would find, bar other processes' new timers. */
    nothingDueBy(now: number): boolean {
      const aged = Date.now() - lookedAt >= Math.max(lookEveryMs, LOOK_COST_FACTOR * lastLookMs);
      if (earliestAt === undefined || aged) return false;
      return earliestAt === null || earliestAt > now;
    },
    lookStarts(): Look {
      const started = { at: Date.now(), storedEarliest: Infinity };
      looks.add(started);
      return started;
    },
    lookEnded(started: Look): void {
      looks.delete(started);
    },
    /** A look found this earliest entry not yet due. A timer this process stored while the look
     * was on the wire may be missing from what it read, but its time is known here. */
    looked(started: Look, next: number | null | undefined): void {
      lookedAt = started.at;
      lastLookMs = Date.now() - started.at;
      if (next === undefined) earliestAt = undefined;
      else {
        const known = Math.min(next ?? Infinity, started.storedEarliest);
        earliestAt = known === Infinity ? null : known;
      }
    },
    stored(at: number): void {
      for (const started of looks) started.storedEarliest = Math.min(started.storedEarliest, at);
      if (earliestAt !== undefined) earliestAt = earliestAt === null ? at : Math.min(earliestAt, at);
    },
  };
}

/**
 * Due entries a look read beyond what its caller asked for, handed out by the next calls. They
 * come sorted by time (the look sorts), so the ones due by `now` are always the first.
 */
function dueBacklog() {
  let entries: TimerDocument[] = [];
  return {
    size: () => entries.length,
    keep(more: TimerDocument[]): void {
      entries = more;
    },
    take(now: number, limit: number): TimerDocument[] {
      let count = 0;
      while (count < limit && count < entries.length && entries[count]!.at.getTime() <= now) count += 1;
      return entries.splice(0, count);
    },
  };
}
