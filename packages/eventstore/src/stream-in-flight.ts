import type { Collection } from 'mongodb';

import { BoundedMap } from '@lethe/bounded-map';

import { isDuplicateKey } from './errors';
import { createInsertBatcher } from './insert-batcher';
import type { LoadedStream, LoadOptions } from './stream-store';

/** A stream with work in progress (an open request), until its newest commit says otherwise. */
export interface InFlightDocument {
  _id: string;
}

const CACHED_STREAMS = 10_000;

/**
 * The streams in flight, in a small side collection holding only those: what operators count
 * (open requests, blocked, at risk) without scanning every stream. Like the timers, an entry is
 * written before the commit that puts the stream in flight, so none is ever missing; one the
 * stream has since left is stale, and is removed when the list is next read.
 */
export function createInFlightStreams<State>(
  entries: Collection<InFlightDocument>,
  load: (streamId: string, options?: LoadOptions) => Promise<LoadedStream<State> | undefined>,
) {
  // Streams this process has entered lately: most commits of a stream in flight write nothing.
  const entered = new BoundedMap<string, true>(CACHED_STREAMS);
  const inserts = createInsertBatcher(entries);

  return {
    async enter(streamId: string): Promise<void> {
      if (entered.get(streamId)) return;
      await inserts.insert({ _id: streamId }).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error;
      });
      entered.set(streamId, true);
    },

    /** Up to `limit` streams in flight, each at its newest commit. */
    async list(limit: number): Promise<(LoadedStream<State> & { streamId: string })[]> {
      const listed = await entries.find().limit(limit).toArray();
      const inFlight: (LoadedStream<State> & { streamId: string })[] = [];
      for (const { _id: streamId } of listed) {
        const head = await load(streamId);
        if (head?.inFlight) inFlight.push({ ...head, streamId });
        else {
          entered.delete(streamId);
          await entries.deleteOne({ _id: streamId });
        }
      }
      return inFlight;
    },
  };
}
