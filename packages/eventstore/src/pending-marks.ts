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
}

/** A pending mark this old with no commit belongs to a writer that died or lost a race. */
const ORPHAN_MARK_MS = 60_000;

/** The outbox's index: one mark per commit whose events are not yet on Kafka. */
export function createPendingMarks<State>(
  pending: Collection<PendingDocument>,
  commits: Collection<StreamDocument<State>>,
) {
  const inserts = createInsertBatcher(pending);

  /** The commits these marks stand for; a mark whose commit another writer won, or that a
   * writer left behind, is deleted (nothing to send). */
  async function commitsOf(marks: readonly PendingDocument[], now: Date): Promise<UnpublishedCommit<State>[]> {
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
    async unpublished(limit: number, now: Date, olderThanMs: number): Promise<UnpublishedCommit<State>[]> {
      const marks = await pending
        .find(olderThanMs > 0 ? { createdAt: { $lte: new Date(now.getTime() - olderThanMs) } } : {})
        .sort({ streamId: 1, version: 1 })
        .limit(limit)
        .toArray();
      return commitsOf(marks, now);
    },
    async unpublishedBefore(streamId: string, version: number, now: Date): Promise<UnpublishedCommit<State>[]> {
      // Only a stream's pending marks: a handful at most, in a collection of what is in flight.
      const marks = await pending.find({ streamId }).toArray();
      return commitsOf(
        marks.filter((mark) => mark.version < version).sort((a, b) => a.version - b.version),
        now,
      );
    },
  };
}
