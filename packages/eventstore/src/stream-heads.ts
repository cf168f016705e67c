import type { Collection } from 'mongodb';

import { BoundedMap } from '@lethe/bounded-map';

import { commitId, type LoadedStream, type LoadOptions, type StreamDocument } from './stream-store';

const CACHED_STREAMS = 10_000;

/** A stream's newest commit as this process knows it. */
interface Head<State> extends LoadedStream<State> {
  /**
   * Whether every commit up to this one reaches Kafka in version order through this process:
   * it wrote this commit on a base that was itself ordered (its relay sends a commit's
   * unpublished predecessors first). False for a commit found in the store: another process may
   * still hold its outbox, or one before it.
   */
  readonly ordered: boolean;
}

/**
 * Finds a stream's newest commit by probing commit ids (versions have no gaps): from the last
 * version this process saw (one probe when warm), or by galloping and bisecting (cold).
 */
export function createStreamHeads<State>(commits: Collection<StreamDocument<State>>) {
  // Streams this process has seen lately: the place to start probing for newer commits.
  const seen = new BoundedMap<string, Head<State>>(CACHED_STREAMS);

  const exists = async (streamId: string, version: number) =>
    (await commits.findOne({ _id: commitId(streamId, version) }, { projection: { _id: 1 } })) !== null;

  async function newestVersion(streamId: string, known: number): Promise<number> {
    let low = known; // exists, or 0
    let step = 1;
    while (await exists(streamId, low + step)) {
      low += step;
      step *= 2;
    }
    let high = low + step;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (await exists(streamId, middle)) low = middle;
      else high = middle;
    }
    return low;
  }

  return {
    load: async (streamId: string, options: LoadOptions = {}): Promise<LoadedStream<State> | undefined> => {
      const known = seen.get(streamId);
      if (known && options.trustCache) return known;
      const version = await newestVersion(streamId, known?.version ?? 0);
      if (version === 0) return undefined;
      if (known && known.version === version) return known;
      const commit = await commits.findOne(
        { _id: commitId(streamId, version) },
        { projection: { version: 1, state: 1, timer: 1, inFlight: 1 } },
      );
      if (!commit) return undefined; // pruned under us: treat as absent
      // A commit this process wrote while this read was on the wire is newer: keep it. Caching
      // the older head made the next trusted load decide on a stale state, where an answer the
      // newer state expects is a no-op, and was silently dropped (a GET polling a request raced
      // the answers' consumer).
      const meanwhile = seen.get(streamId);
      if (meanwhile && meanwhile.version > commit.version) return meanwhile;
      const loaded = {
        version: commit.version,
        state: commit.state,
        timer: commit.timer ?? null,
        inFlight: commit.inFlight === true,
        ordered: false,
      };
      seen.set(streamId, loaded);
      return loaded;
    },
    /**
     * Whether the commits up to `version` reach Kafka in order through this process (see Head);
     * false when this process does not know (another wrote it, or it left the cache).
     */
    orderedUpTo(streamId: string, version: number): boolean {
      const known = seen.get(streamId);
      return known?.version === version && known.ordered;
    },
    /** What this process just wrote is the stream's newest commit (unless a newer one is known). */
    remember(streamId: string, head: Head<State>): void {
      if ((seen.get(streamId)?.version ?? 0) > head.version) return;
      seen.set(streamId, head);
    },
    /** This process's view is stale (another writer moved on). */
    forget(streamId: string): void {
      seen.delete(streamId);
    },
  };
}
