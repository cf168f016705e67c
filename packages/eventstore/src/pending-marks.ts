import type { Collection } from 'mongodb';

import { createInsertBatcher } from './insert-batcher';
import type { StreamDocument, UnpublishedCommit } from './stream-store';

/** Marks a commit whose outbox is not yet on Kafka; deleted once it is. Each append has its
 * own mark (`<commitId>@<writer>`), so two writers racing for one version never collide here. */
export interface PendingDocument {
  _id: string;
  commitId: string;
  writer: string;
  streamId: string;
  version: number;
  createdAt: Date;
  /** The store (one per process) that wrote it, whose relay sends it while it lives. */
  relay?: string;
}

/** A relay's sign of life: the process behind it still sends its own commits. */
export interface RelayDocument {
  _id: string;
  seenAt: Date;
}

/** A relay not seen for this long is taken for dead: what it wrote is swept up by the others. */
const RELAY_PRESUMED_DEAD_MS = 10_000;
/** A relay not seen for this long died long ago: its sign of life is deleted. */
const RELAY_FORGOTTEN_AFTER_MS = 3_600_000;
/** A pending mark this old is swept up whoever wrote it (a live relay that cannot send it). */
const SWEPT_WHOEVER_WROTE_IT_MS = 60_000;

/** A pending mark this old with no commit belongs to a writer that died or lost a race. */
const ORPHAN_MARK_MS = 60_000;

/**
 * Of `items`, those before the first of `held` in their stream: a stream's commits reach Kafka
 * in version order, so nothing may pass one that is held back (or that another path sends).
 */
export function beforeHeld<Item extends { streamId: string; version: number }>(
  items: readonly Item[],
  held: readonly { streamId: string; version: number }[],
): Item[] {
  const firstHeld = new Map<string, number>();
  for (const { streamId, version } of held)
    firstHeld.set(streamId, Math.min(version, firstHeld.get(streamId) ?? Infinity));
  return items.filter((item) => item.version < (firstHeld.get(item.streamId) ?? Infinity));
}

/** The outbox's index: one mark per commit whose events are not yet on Kafka. */
export function createPendingMarks<State>(
  pending: Collection<PendingDocument>,
  commits: Collection<StreamDocument<State>>,
  relays: Collection<RelayDocument>,
) {
  const inserts = createInsertBatcher(pending);
  let relaysTidied = false;

  /** The commits these marks stand for; a mark whose commit another writer won, or that a
   * writer left behind, is deleted (nothing to send). */
  async function commitsOf(
    marks: readonly PendingDocument[],
    now: Date,
  ): Promise<UnpublishedCommit<State>[]> {
    const found: UnpublishedCommit<State>[] = [];
    for (const mark of marks) {
      const commit = await commits.findOne({ _id: mark.commitId });
      if (commit?.writer === mark.writer) found.push({ ...commit, markId: mark._id });
      else if (commit || now.getTime() - mark.createdAt.getTime() > ORPHAN_MARK_MS)
        await pending.deleteOne({ _id: mark._id });
    }
    return found;
  }
  return {
    add: (mark: PendingDocument): Promise<void> => inserts.insert(mark),
    async backlog(): Promise<{ commits: number; oldestAt: Date | null }> {
      const commits = await pending.countDocuments({});
      if (commits === 0) return { commits, oldestAt: null };
      const oldest = await pending.find({}).sort({ createdAt: 1 }).limit(1).next();
      return { commits, oldestAt: oldest?.createdAt ?? null };
    },
    async remove(markIds: readonly string[]): Promise<void> {
      if (markIds.length > 0) await pending.deleteMany({ _id: { $in: [...markIds] } });
    },
    async unpublished(
      limit: number,
      now: Date,
      olderThanMs: number,
      spareLiveRelays: boolean,
    ): Promise<UnpublishedCommit<State>[]> {
      const due = olderThanMs > 0 ? { createdAt: { $lte: new Date(now.getTime() - olderThanMs) } } : {};
      const marks = await pending.find(due).sort({ streamId: 1, version: 1 }).limit(limit).toArray();
      if (!spareLiveRelays || marks.every((mark) => mark.relay === undefined)) return commitsOf(marks, now);
      // Marks of a relay that lives are its own to send: sending them too doubles every event
      // whenever relays fall behind under load.
      const sweptWhoeverWroteIt = new Date(now.getTime() - SWEPT_WHOEVER_WROTE_IT_MS);
      const live = (
        await relays.find({ seenAt: { $gt: new Date(now.getTime() - RELAY_PRESUMED_DEAD_MS) } }).toArray()
      ).map((relay) => relay._id);
      const spared = (mark: PendingDocument) =>
        mark.relay !== undefined && live.includes(mark.relay) && mark.createdAt >= sweptWhoeverWroteIt;
      if (!marks.some(spared)) return commitsOf(marks, now);
      // Every due mark is in hand: leave out the spared ones, and what follows them in a stream.
      if (marks.length < limit) return commitsOf(beforeHeld(marks, marks.filter(spared)), now);
      // A full page: left out in the query itself, a live relay's backlog must not hide, behind
      // the first `limit` marks, those of a relay that died.
      const others = await pending
        .find({ ...due, $or: [{ relay: { $nin: live } }, { createdAt: { $lt: sweptWhoeverWroteIt } }] })
        .sort({ streamId: 1, version: 1 })
        .limit(limit)
        .toArray();
      if (others.length === 0) return [];
      // A stream's marks after one a live relay still holds wait for it: it must reach Kafka first.
      const held = await pending
        .find({
          streamId: { $in: [...new Set(others.map((mark) => mark.streamId))] },
          relay: { $in: live },
          createdAt: { $gte: sweptWhoeverWroteIt },
        })
        .toArray();
      return commitsOf(beforeHeld(others, held), now);
    },
    /** This store's relay lives (see RELAY_PRESUMED_DEAD_MS). */
    async alive(relay: string, now: Date): Promise<void> {
      await relays.updateOne({ _id: relay }, { $set: { seenAt: now } }, { upsert: true });
      if (relaysTidied) return;
      // Once per process: the signs of life of processes that died without stopping their relay.
      await relays.deleteMany({ seenAt: { $lt: new Date(now.getTime() - RELAY_FORGOTTEN_AFTER_MS) } });
      relaysTidied = true;
    },
    /** This store's relay stopped: what it left is for the others to sweep now. */
    async gone(relay: string): Promise<void> {
      await relays.deleteOne({ _id: relay });
    },
    async unpublishedBefore(
      streamId: string,
      version: number,
      now: Date,
    ): Promise<UnpublishedCommit<State>[]> {
      // Only a stream's pending marks: a handful at most, in a collection of what is in flight.
      const marks = await pending.find({ streamId }).toArray();
      return commitsOf(
        marks.filter((mark) => mark.version < version).sort((a, b) => a.version - b.version),
        now,
      );
    },
  };
}
