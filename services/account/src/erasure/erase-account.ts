import type { CommandContext, HandledCommand, StreamStore } from '@lethe/eventstore';
import type { EraseMany, ErasureTask, TaskResult } from '@lethe/participant';

import type { AccountCommand, AccountEvent, AccountState } from '../account/model';
import type { ProfileCache } from '../cache/profile-cache';
import { ACCOUNT_STREAMS, type StoredAccountState } from '../persistence/state-codec';
import { EMAIL_INDEX, type EmailIndex } from '../sign-in/email-index-store';

export const ACCOUNT_PARTICIPANT = {
  participantId: 'account',
  stores: [`mongodb:${ACCOUNT_STREAMS}`, `mongodb:${EMAIL_INDEX}`],
  categories: ['account', 'contact'],
  phase: 1,
  timeoutMs: 30_000,
} as const;

/** Phase 2: after the account stream is erased, no read can put the profile back in Redis. */
export const CACHE_PARTICIPANT = {
  participantId: 'redis-cache',
  stores: ['redis:lethe:account'],
  categories: ['account', 'contact'],
  phase: 2,
  timeoutMs: 10_000,
} as const;

/** The redis-cache participant's tasks, several subjects per round trip: every key in each
 * subject's index set, and the set. */
export function eraseCachedSubjects(cache: ProfileCache): EraseMany {
  return async (tasks) =>
    (await cache.eraseSubjects(tasks.map((task) => task.subjectId))).map(({ deleted, remaining }) => ({
      outcome: deleted > 0 ? 'erased' : 'not-found',
      counts: { 'redis:lethe:account': deleted },
      verifiedEmpty: remaining === 0,
      evidence: { keysDeleted: deleted, keysRemaining: remaining },
    }));
}

export interface EraseAccountDeps {
  streams: StreamStore<StoredAccountState>;
  handle: (
    subjectId: string,
    command: AccountCommand,
    context: CommandContext,
  ) => Promise<HandledCommand<AccountEvent, AccountState>>;
  now: () => Date;
  /** The sign-in index: its entry for the subject goes with the account. */
  emailIndex: EmailIndex;
}

/**
 * The account participant's task: end the stream with AccountErased, then strip the sealed
 * profile from every older commit. The commits stay (versions have no gaps, which the stream
 * store relies on), and so do their outboxes: the log's events, ciphertext that the key vault's
 * shredding voids. Running it twice changes nothing more.
 */
export function eraseAccount({ streams, handle, now, emailIndex }: EraseAccountDeps) {
  return async (task: ErasureTask): Promise<TaskResult> => {
    const { subjectId, requestId } = task;
    const store = `mongodb:${ACCOUNT_STREAMS}`;
    const index = await emailIndex.erase(subjectId);
    const indexCounts = { [`mongodb:${EMAIL_INDEX}`]: index.deleted };
    if (!(await streams.load(subjectId))) {
      return {
        outcome: index.deleted > 0 ? 'erased' : 'not-found',
        counts: { [store]: 0, ...indexCounts },
        verifiedEmpty: index.remaining === 0,
        evidence: { collection: ACCOUNT_STREAMS, commits: 0, emailIndexEntries: index.remaining },
      };
    }
    const at = now();
    const { version } = await handle(
      subjectId,
      { type: 'MarkErased', data: { requestId }, metadata: { now: at } },
      { now: at, correlationId: requestId, causationId: null },
    );
    // Every older commit's state is replaced, so no copy of the sealed profile stays at rest
    // (the commits' outboxes are ciphertext under the subject key, which the key vault shreds).
    const erased: StoredAccountState = { status: 'erased', requestId };
    const { redacted, unredacted } = await streams.redactHistory(subjectId, {
      before: version,
      state: erased,
    });
    return {
      outcome: 'erased',
      counts: { [store]: redacted, ...indexCounts },
      verifiedEmpty: unredacted === 0 && index.remaining === 0,
      evidence: {
        collection: ACCOUNT_STREAMS,
        commitsWithProfile: unredacted,
        commits: version,
        emailIndexEntries: index.remaining,
      },
    };
  };
}
