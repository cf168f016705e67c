import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';

import { createKeyVault, type KeyEncryptionKey } from '@lethe/crypto';
import { newRequestId, type EventCodec, type LetheEvent } from '@lethe/events';
import {
  createCommandHandler,
  createOutboxRelay,
  createStreamStore,
  isDuplicateKey,
  startTimerSweeper,
  type OutboxRelay,
  type StreamDocument,
} from '@lethe/eventstore';
import type { ConsumerRunner, KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';
import { joinErasureProtocol, type Participant } from '@lethe/participant';
import { buildServiceApp } from '@lethe/service-kit';

import { COMPACTED_PARTICIPANT, writeTombstones } from './compacted/tombstones';
import { erasureRoutes } from './http/routes';
import { KEY_VAULT_PARTICIPANT, shredSubjectKey } from './key-vault/key-vault-participant';
import { reconcileShreddedKeys } from './key-vault/reconcile';
import { LLM_PARTICIPANT, llmDisclosures } from './llm/disclosures';
import {
  reactToAccountEvent,
  reactToRetentionEvent,
  reactToTaskAnswer,
  type Reaction,
  type RequestErasureInput,
} from './reactions';
import { erasureDecider, nextWakeup } from './request/decider';
import type { ErasureState } from './request/model';
import { startParticipantDirectory, type ParticipantDirectory } from './runtime/directory';
import { ERASURE_EVENTS, erasureRecords } from './runtime/to-records';

export const ERASURE_STREAMS = 'erasure_streams';
export const ERASURE_REQUESTS = 'erasure_requests';
const RETENTION_EVENTS = 'lethe.retention.events.v1';
const ACCOUNT_EVENTS = 'lethe.account.events.v1';
/** How long a GET for an unknown request id waits for the account log to be read. */
const CATCH_UP_TIMEOUT_MS = 15_000;

export interface ErasureServiceDeps {
  db: Db;
  kafka: KafkaClient;
  codec: EventCodec;
  kek: KeyEncryptionKey;
  logger: Logger;
  publicKeys: readonly KeyObject[];
  topicName?: (logical: string) => string;
  now?: () => Date;
  instanceId?: string;
  /** Compacted topics keyed by subject id (physical names): erasure writes a tombstone on each. */
  compactedTopics?: readonly string[];
}

export interface ErasureService {
  app: FastifyInstance;
  directory: ParticipantDirectory;
  /** What the start-up reconciliation of the key vault with the erasure log found. */
  reconciled: { checked: number; reapplied: number };
  stop(): Promise<void>;
}

export type { RequestErasureInput };

/**
 * The erasure service: takes requests (HTTP, AccountDeletionRequested on the account log,
 * RetentionExpired on the retention log), plans and issues tasks, folds the participants'
 * answers, and completes each request once. It is the only writer of ErasureRequested. It also
 * runs the key-vault participant, which shreds the subject's key last of all.
 *
 * Legal holds come on the retention log, read by their own consumer group. A request from any
 * other path waits until that group has applied everything on the subject's retention partition
 * (a ConsumedBarrier): a hold acknowledged before the request was made is then in the subject's
 * stream when the request is decided, so it is blocked, never planned.
 */
export async function startErasureService(deps: ErasureServiceDeps): Promise<ErasureService> {
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'erasure' });
  const streams = await createStreamStore<ErasureState>({ db: deps.db, collection: ERASURE_STREAMS });
  const requests = deps.db.collection<{ _id: string; subjectId: string }>(ERASURE_REQUESTS);

  const relay: OutboxRelay = createOutboxRelay({ store: streams, send: deps.kafka.send, logger: log });
  const handle = createCommandHandler({
    store: streams,
    decider: erasureDecider,
    toRecords: erasureRecords({ codec: deps.codec, topicName }),
    onAppended: () => relay.wake(),
    timerOf: nextWakeup,
  });

  // Streams whose timer is due (a task timeout, the end of a backoff, the at-risk warning) get
  // a Tick; the decider decides what the passing of time means.
  const sweeper = startTimerSweeper({
    store: streams,
    now,
    logger: log,
    onDue: async (subjectId, at) => {
      const head = await streams.load(subjectId);
      if (head?.state.status !== 'open') return;
      // The request is the flow a tick belongs to.
      const correlationId = head.state.request.requestId;
      const result = await handle(
        subjectId,
        { type: 'Tick', metadata: { now: at } },
        { now: at, correlationId, causationId: null },
      );
      for (const event of result.events) {
        if (event.type === 'TaskOutcomeRecorded' && event.data.failureCode === 'TASK_TIMEOUT')
          log.warn(
            { participantId: event.data.participantId, attempt: event.data.attempt },
            'erasure task timed out',
          );
        if (event.type === 'ErasureDeadlineAtRisk')
          log.warn(
            { requestId: event.data.requestId, open: event.data.openParticipants },
            'erasure deadline at risk',
          );
      }
    },
  });

  const directory = await startParticipantDirectory({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    topic: topicName('lethe.erasure.participants.v1'),
    groupId: topicName(`lethe.erasure.directory.${deps.instanceId ?? randomUUID()}`),
  });

  const holdsGroup = topicName('lethe.erasure.holds');
  const holdsApplied = deps.kafka.consumedBarrier({
    topic: topicName(RETENTION_EVENTS),
    groupId: holdsGroup,
  });

  async function decideRequest(input: RequestErasureInput): Promise<string> {
    const requestId = input.requestId ?? newRequestId();
    // The request id names the subject's stream for GET. An insert, not an upsert: FerretDB
    // scans the collection for an upsert and finds a primary key in constant time.
    await requests.insertOne({ _id: requestId, subjectId: input.subjectId }).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error; // already indexed
    });
    const at = now();
    const result = await handle(
      input.subjectId,
      {
        type: 'RequestErasure',
        data: {
          requestId,
          subjectId: input.subjectId,
          scope: input.scope ?? { all: true, categories: [] },
          reason: input.reason,
          regulation: input.regulation,
          participants: directory.list(),
        },
        metadata: { now: at },
      },
      { now: at, correlationId: requestId, causationId: input.causationId ?? null },
    );
    // Joined an open request: the caller follows that one.
    return result.state.status === 'open' ? result.state.request.requestId : requestId;
  }

  /** A request from outside the hold log: decided only once every hold placed before it is applied. */
  async function requestErasure(input: RequestErasureInput): Promise<string> {
    await holdsApplied.passed(input.subjectId);
    return decideRequest(input);
  }

  async function run(reaction: Reaction | undefined, event: LetheEvent, ordered: boolean): Promise<void> {
    if (!reaction) return;
    if (reaction.kind === 'request') {
      await (ordered ? decideRequest(reaction.input) : requestErasure(reaction.input));
      return;
    }
    const at = reaction.command.metadata.now;
    await handle(reaction.subjectId, reaction.command, {
      now: at,
      correlationId: event.envelope.correlationId,
      causationId: event.envelope.eventId,
    });
  }

  // Holds and expiries: one ordered partition per subject, committed after each effect (the
  // barrier above reads these commits).
  const holds: ConsumerRunner = await deps.kafka.runEventConsumer({
    codec: deps.codec,
    logger: log,
    groupId: holdsGroup,
    topics: [topicName(RETENTION_EVENTS)],
    handle: async (event) => {
      await run(
        reactToRetentionEvent(event, now(), () => directory.list()),
        event,
        true,
      );
    },
  });

  const answers: ConsumerRunner = await deps.kafka.runEventConsumer({
    codec: deps.codec,
    logger: log,
    // Named through topicName too: an isolated copy of the system (a test) has its own groups.
    groupId: topicName('lethe.erasure.orchestrator'),
    topics: [topicName(ACCOUNT_EVENTS), topicName(ERASURE_EVENTS)],
    handle: async (event) => {
      await run(reactToAccountEvent(event) ?? reactToTaskAnswer(event, now()), event, false);
    },
  });

  // Before this instance shreds anything: undo what a restored backup may have undone.
  const reconciled = await reconcileShreddedKeys({
    kafka: deps.kafka,
    codec: deps.codec,
    vault: createKeyVault({ db: deps.db, kek: deps.kek }),
    erasureTopic: topicName(ERASURE_EVENTS),
    topicName,
    now,
    logger: log,
  });
  log.info(reconciled, 'key vault reconciled with the erasure log');

  const keyVault: Participant = await joinErasureProtocol({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    topicName,
    declaration: KEY_VAULT_PARTICIPANT,
    erase: shredSubjectKey({ db: deps.db, kek: deps.kek, now }),
  });

  const llm = llmDisclosures(deps.db, now);
  const llmProviders: Participant = await joinErasureProtocol({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    topicName,
    declaration: LLM_PARTICIPANT,
    erase: llm.erase,
  });

  const compactedTopics = deps.compactedTopics ?? [];
  const compacted: Participant | undefined =
    compactedTopics.length === 0
      ? undefined
      : await joinErasureProtocol({
          kafka: deps.kafka,
          codec: deps.codec,
          logger: log,
          topicName,
          declaration: { ...COMPACTED_PARTICIPANT, stores: compactedTopics.map((topic) => `kafka:${topic}`) },
          erase: writeTombstones({ send: deps.kafka.send, topics: compactedTopics }),
        });

  relay.start(200);

  const app = buildServiceApp({
    name: 'erasure',
    version: '0.1.0',
    logger: deps.logger,
    publicKeys: deps.publicKeys,
    readiness: {
      mongo: async () => (await deps.db.command({ ping: 1 })).ok === 1,
      consumers: async () => ![holds, answers].some((runner) => runner.stalled()),
    },
  });
  const loadKnown = async (requestId: string) => {
    const index = await requests.findOne({ _id: requestId });
    if (!index) return undefined;
    const head = await streams.load(index.subjectId);
    return head ? { subjectId: index.subjectId, state: head.state } : undefined;
  };
  // A request id the account service just gave out may still be on its way here: on a miss,
  // catch up with everything on the account log now, then look again. Only then is it unknown.
  const accountLogRead = deps.kafka.consumedBarrier({
    topic: topicName(ACCOUNT_EVENTS),
    groupId: topicName('lethe.erasure.orchestrator'),
  });
  const load = async (requestId: string) => {
    const known = await loadKnown(requestId);
    if (known) return known;
    await accountLogRead.passedAll(CATCH_UP_TIMEOUT_MS);
    return loadKnown(requestId);
  };
  await app.register(async (scope) =>
    erasureRoutes(scope, { requestErasure, load, directory, recordDisclosure: llm.record }),
  );

  return {
    app,
    directory,
    reconciled,
    async stop() {
      await sweeper.stop();
      await holds.stop();
      await answers.stop();
      await keyVault.stop();
      await llmProviders.stop();
      await compacted?.stop();
      await directory.stop();
      await relay.stop();
      await app.close();
    },
  };
}

export type { StreamDocument };
