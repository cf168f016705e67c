import { createHash, randomUUID, type KeyObject } from 'node:crypto';

import { exportPrivateKey, exportPublicKeyOf, type FieldCipher, type KeyVault } from '@lethe/crypto';
import type { EventCodec, EventOf } from '@lethe/events';
import {
  createCommandHandler,
  createOutboxRelay,
  startTimerSweeper,
  type StreamStore,
} from '@lethe/eventstore';
import type { KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';
import type { ErasureTask, TaskResult } from '@lethe/participant';

import type { AccessStore } from './access-store';
import { accessDecider, accessWakeup, PACKAGE_LIFETIME_MS } from './decider';
import { allAnswered, type AccessCommand, type AccessState } from './model';
import { makePackage, packageAddress, type AccessPackage } from './packager';
import { accessRecords, accessStreamId, parseAccessStreamId } from './to-records';

export const ACCESS_STREAMS = 'access_streams';

/** How long participants have to answer an access request before the package is made without them. */
const ANSWER_WITHIN_MS = 60_000;

/** An access request as the subject, the portal and operators see it. */
export interface AccessView {
  readonly requestId: string;
  readonly subjectId: string;
  readonly status: 'in-progress' | 'ready' | 'deleted';
  readonly requestedAt: string;
  readonly expiresAt: string | null;
  readonly packageDigest: string | null;
  readonly participants: readonly { participantId: string; outcome: string | null; records: number }[];
  readonly deletedBecause: string | null;
}

export interface AccessRequests {
  /** A new request of the subject's data; undefined when the subject was erased (nothing to give). */
  request(subjectId: string, correlationId: string): Promise<AccessView | undefined>;
  list(subjectId: string): Promise<AccessView[]>;
  view(subjectId: string, requestId: string): Promise<AccessView | undefined>;
  /** The package while it is kept; undefined before it is ready, after it expired, or if not the subject's. */
  download(subjectId: string, requestId: string): Promise<AccessPackage | undefined>;
  /** A participant's answer on the answers topic (the orchestrator's consumer hands it over). */
  onAnswer(event: EventOf<'AccessTaskAnswered'>): Promise<void>;
  /** The access-exports participant's erasure task: every request, answer and package of the subject. */
  eraseSubject(task: ErasureTask): Promise<TaskResult>;
  stop(): Promise<void>;
}

export const ACCESS_EXPORTS_PARTICIPANT = {
  participantId: 'access-exports',
  stores: ['mongodb:access_packages', 'mongodb:access_answers', 'mongodb:access_requests'],
  categories: ['account'],
  phase: 1,
  timeoutMs: 10_000,
} as const;

function viewOf(state: AccessState): AccessView | undefined {
  if (state.status === 'none') return undefined;
  return {
    requestId: state.requestId,
    subjectId: state.subjectId,
    status: state.status === 'open' ? 'in-progress' : state.status,
    requestedAt: new Date(state.requestedAt).toISOString(),
    expiresAt: state.status === 'ready' ? new Date(state.expiresAt).toISOString() : null,
    packageDigest: state.status === 'ready' ? state.packageDigest : null,
    participants: state.participants.map((participantId) => ({
      participantId,
      outcome: state.answers[participantId]?.outcome ?? null,
      records: state.answers[participantId]?.records ?? 0,
    })),
    deletedBecause: state.status === 'deleted' ? state.reason : null,
  };
}

/**
 * Access requests (DESIGN.md section 9), run by the erasure service beside erasures: the same
 * participants, task topics, signatures and answers topic, on streams of their own. The package
 * is made here because this service holds the key vault: the portal, which shows it, holds no
 * keys. Every step is on the erasure log; the data itself never is.
 */
export function startAccessRequests(deps: {
  /** The access streams (ACCESS_STREAMS), one per request. */
  streams: StreamStore<AccessState>;
  /** Answers, packages and the requests of each subject. */
  store: AccessStore;
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  topicName: (logical: string) => string;
  now: () => Date;
  vault: KeyVault;
  cipher: FieldCipher;
  taskSigningKey: KeyObject;
  /** Who exports, and what each declared (stores, categories), from the participant directory. */
  exporting: () => readonly string[];
  declared: (participantId: string) => { stores: readonly string[]; categories: readonly string[] };
  /** Exports for requests made before it may be sealed in the pre-HPKE format. */
  legacySealingUntil?: Date;
}): AccessRequests {
  const log = deps.logger.child({ component: 'access' });
  const { streams, store } = deps;
  const relay = createOutboxRelay({ store: streams, send: deps.kafka.send, logger: log });
  const handle = createCommandHandler({
    store: streams,
    decider: accessDecider,
    toRecords: accessRecords({
      codec: deps.codec,
      topicName: deps.topicName,
      taskSigningKey: deps.taskSigningKey,
    }),
    onAppended: () => relay.wake(),
    timerOf: accessWakeup,
    inFlightOf: (state) => state.status === 'open',
    confirmNoOps: true, // an export's answer, like an erasure task's, must not meet a stale view
  });
  const run = (
    streamId: string,
    command: AccessCommand,
    correlationId: string,
    causationId: string | null = null,
  ) => handle(streamId, command, { now: deps.now(), correlationId, causationId });

  /** Once every answer is in: the package, then AccessCompleted (or, the subject erased meanwhile, none). */
  async function finish(streamId: string, state: AccessState): Promise<void> {
    if (state.status !== 'open' || !allAnswered(state)) return;
    const at = deps.now();
    const expiresAt = new Date(at.getTime() + PACKAGE_LIFETIME_MS);
    const packaged = await makePackage({ ...deps, store }, state, at, expiresAt);
    if (packaged.kind === 'subject-erased')
      await run(streamId, { type: 'DeletePackage', reason: 'subject-erased' }, state.requestId);
    else
      await run(
        streamId,
        { type: 'Complete', packageDigest: packaged.digest, expiresAt: expiresAt.getTime() },
        state.requestId,
      );
    await store.dropAnswers(state.requestId);
  }

  const sweeper = startTimerSweeper({
    store: streams,
    now: deps.now,
    logger: log,
    onDue: async (streamId, at) => {
      const { requestId } = parseAccessStreamId(streamId);
      const { state } = await run(streamId, { type: 'Tick', now: at.getTime() }, requestId);
      if (state.status === 'open') return finish(streamId, state);
      if (state.status === 'ready' && at.getTime() >= state.expiresAt) {
        await store.dropPackage(requestId);
        await run(streamId, { type: 'DeletePackage', reason: 'expired' }, requestId);
      }
    },
  });
  relay.start(200);

  const load = async (subjectId: string, requestId: string) =>
    (await streams.load(accessStreamId(subjectId, requestId)))?.state;

  const list = async (subjectId: string): Promise<AccessView[]> => {
    const views = await Promise.all(
      (await store.requestsOf(subjectId)).map(async (requestId) =>
        viewOf((await load(subjectId, requestId)) ?? { status: 'none' }),
      ),
    );
    return views.filter((view): view is AccessView => view !== undefined);
  };

  return {
    async request(subjectId, correlationId) {
      const key = await deps.vault.lookup(subjectId);
      if (key.kind === 'erased') return undefined;
      // One copy is made at a time: asking again while one is in progress joins it, so a
      // subject (or a script) cannot make every participant export over and over.
      const inProgress = (await list(subjectId)).find((view) => view.status === 'in-progress');
      if (inProgress) return inProgress;
      const requestId = `acc_${randomUUID().replace(/-/g, '')}`;
      const subjectKey = key.kind === 'key' ? key.key : await deps.vault.keyFor(subjectId);
      const now = deps.now();
      await store.addRequest(requestId, subjectId, now);
      const streamId = accessStreamId(subjectId, requestId);
      const { state } = await run(
        streamId,
        {
          type: 'RequestAccess',
          requestId,
          subjectId,
          participants: [...deps.exporting()],
          exportKey: exportPublicKeyOf(exportPrivateKey(subjectKey, requestId)),
          answerWithinMs: ANSWER_WITHIN_MS,
          now: now.getTime(),
        },
        correlationId,
      );
      // No participant exports: the package (its metadata only) can be made at once.
      await finish(streamId, state);
      return viewOf((await load(subjectId, requestId)) ?? state);
    },
    list,
    async view(subjectId, requestId) {
      const state = await load(subjectId, requestId);
      return state && viewOf(state);
    },
    async download(subjectId, requestId) {
      const state = await load(subjectId, requestId);
      if (state?.status !== 'ready' || deps.now().getTime() >= state.expiresAt) return undefined;
      const sealed = await store.packageOf(requestId);
      if (!sealed) return undefined;
      const opened = await deps.cipher.decrypt(packageAddress(subjectId, requestId), sealed);
      return opened.kind === 'value' ? (JSON.parse(opened.value) as AccessPackage) : undefined;
    },
    async onAnswer(event) {
      const subjectId = event.envelope.subjectId;
      if (!subjectId) return;
      const { requestId, participantId, sealedData, outcome } = event.data;
      const streamId = accessStreamId(subjectId, requestId);
      const exported = outcome === 'exported' && sealedData !== null;
      // The data first, then the answer's record: a crash between leaves the answer to redeliver.
      if (exported)
        await store.keepAnswer({ requestId, subjectId, participantId, sealed: Buffer.from(sealedData) });
      const { state } = await run(
        streamId,
        {
          type: 'RecordAnswer',
          participantId,
          answer: {
            outcome: exported ? 'exported' : 'failed',
            records: exported ? event.data.records : 0,
            dataDigest: exported ? `sha256:${createHash('sha256').update(sealedData).digest('hex')}` : null,
            code: exported ? null : (event.data.code ?? 'EXPORT_FAILED'),
          },
        },
        requestId,
        event.envelope.eventId,
      );
      await finish(streamId, state);
    },
    async eraseSubject({ subjectId, requestId: erasureId }) {
      // Each request says on the log that its package went with the subject, then the documents go.
      for (const requestId of await store.requestsOf(subjectId))
        await run(
          accessStreamId(subjectId, requestId),
          { type: 'DeletePackage', reason: 'subject-erased' },
          erasureId,
        );
      const { deleted, remaining } = await store.eraseSubject(subjectId);
      const total = Object.values(deleted).reduce((sum, count) => sum + count, 0);
      return {
        outcome: total > 0 ? 'erased' : 'not-found',
        counts: deleted,
        verifiedEmpty: remaining === 0,
        evidence: { remaining },
      };
    },
    async stop() {
      await sweeper.stop();
      await relay.stop();
    },
  };
}
