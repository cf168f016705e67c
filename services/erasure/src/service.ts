import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import type { Kafka, Producer } from 'kafkajs';
import type { Db } from 'mongodb';

import { createKeyVault, type KeyEncryptionKey } from '@lethe/crypto';
import { isEventOfType, type EventCodec } from '@lethe/events';
import {
  createCommandHandler,
  createOutboxRelay,
  createStreamStore,
  type OutboxRelay,
  type StreamDocument,
} from '@lethe/eventstore';
import { runConsumer, type ConsumerRunner } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';
import { joinErasureProtocol, type Participant } from '@lethe/participant';
import { buildServiceApp } from '@lethe/service-kit';

import { COMPACTED_PARTICIPANT, writeTombstones } from './compacted/tombstones';
import { erasureRoutes } from './http/routes';
import { LLM_PARTICIPANT, llmDisclosures } from './llm/disclosures';
import { erasureDecider, nextWakeup } from './request/decider';
import type { ErasureScope, ErasureState } from './request/model';
import { startParticipantDirectory, type ParticipantDirectory } from './runtime/directory';
import { ERASURE_EVENTS, erasureRecords } from './runtime/to-records';

export const ERASURE_STREAMS = 'erasure_streams';
export const ERASURE_REQUESTS = 'erasure_requests';
const SWEEP_INTERVAL_MS = 500;

export interface ErasureServiceDeps {
  db: Db;
  kafka: Kafka;
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
  stop(): Promise<void>;
}

export interface RequestErasureInput {
  subjectId: string;
  requestId?: string;
  scope?: ErasureScope;
  reason: string;
  regulation: string | null;
  causationId?: string | null;
  /** Already on the erasure log (emitted by another service). */
  announced?: boolean;
}

/**
 * The erasure service: takes requests (HTTP, or AccountDeletionRequested on the account log),
 * plans and issues tasks, folds the participants' answers, and completes each request once.
 * It also runs the key-vault participant, which shreds the subject's key last of all.
 */
export async function startErasureService(deps: ErasureServiceDeps): Promise<ErasureService> {
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'erasure' });
  const streams = await createStreamStore<ErasureState>({ db: deps.db, collection: ERASURE_STREAMS });
  const requests = deps.db.collection<{ _id: string; subjectId: string }>(ERASURE_REQUESTS);

  const producer: Producer = deps.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const relay: OutboxRelay = createOutboxRelay({
    store: streams,
    producer,
    logger: log,
  });
  const handle = createCommandHandler({
    store: streams,
    decider: erasureDecider,
    toRecords: erasureRecords({ codec: deps.codec, topicName }),
    onAppended: () => relay.wake(),
    timerOf: nextWakeup,
  });

  // Streams whose timer is due (a task timeout, the end of a backoff, the at-risk warning) get
  // a Tick; the decider decides what the passing of time means.
  async function sweepTimers(): Promise<void> {
    const at = now();
    for (const subjectId of await streams.dueTimers(at)) {
      const head = await streams.load(subjectId);
      if (head?.state.status !== 'open') continue;
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
    }
  }
  let sweeping = true;
  const sweeper = (async () => {
    while (sweeping) {
      await sweepTimers().catch((error: unknown) => log.error({ err: error }, 'timer sweep failed'));
      await new Promise((resolve) => setTimeout(resolve, SWEEP_INTERVAL_MS));
    }
  })();

  const directory = await startParticipantDirectory({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    topic: topicName('lethe.erasure.participants.v1'),
    groupId: topicName(`lethe.erasure.directory.${deps.instanceId ?? randomUUID()}`),
  });

  async function requestErasure(input: RequestErasureInput): Promise<string> {
    const requestId = input.requestId ?? `req_${randomUUID().replace(/-/g, '')}`;
    // The request id names the subject's stream for GET. An insert, not an upsert: FerretDB
    // scans the collection for an upsert and finds a primary key in constant time.
    await requests.insertOne({ _id: requestId, subjectId: input.subjectId }).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 11000) throw error; // already indexed
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
          ...(input.announced ? { announced: true } : {}),
        },
        metadata: { now: at },
      },
      { now: at, correlationId: requestId, causationId: input.causationId ?? null },
    );
    // Joined an open request: the caller follows that one.
    return result.state.status === 'open' ? result.state.request.requestId : requestId;
  }

  const answers: ConsumerRunner = await runConsumer({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    // Named through topicName too: an isolated copy of the system (a test) has its own groups.
    groupId: topicName('lethe.erasure.orchestrator'),
    topics: [
      topicName('lethe.account.events.v1'),
      topicName(ERASURE_EVENTS),
      topicName('lethe.retention.events.v1'),
    ],
    handle: async (record) => {
      const event = record.decoded!.event;
      const subjectId = event.envelope.subjectId;
      if (!subjectId) return;
      const at = now();
      const context = {
        now: at,
        correlationId: event.envelope.correlationId,
        causationId: event.envelope.eventId,
      };
      // Legal holds from the retention log: a held subject's erasure waits for the last release.
      if (isEventOfType(event, 'LegalHoldPlaced')) {
        await handle(
          subjectId,
          { type: 'PlaceHold', data: { holdId: event.data.holdId }, metadata: { now: at } },
          context,
        );
        return;
      }
      if (isEventOfType(event, 'LegalHoldReleased')) {
        await handle(
          subjectId,
          {
            type: 'ReleaseHold',
            data: { holdId: event.data.holdId, participants: directory.list() },
            metadata: { now: at },
          },
          context,
        );
        return;
      }
      // A request another service put on the erasure log (retention's expiries) is taken up here.
      if (isEventOfType(event, 'ErasureRequested') && event.envelope.producer !== 'erasure') {
        await requestErasure({
          subjectId,
          requestId: event.data.requestId,
          scope: event.data.scope,
          reason: event.data.reason,
          regulation: event.data.regulation,
          causationId: event.envelope.eventId,
          announced: true,
        });
        return;
      }
      if (isEventOfType(event, 'AccountDeletionRequested')) {
        await requestErasure({
          subjectId,
          requestId: event.data.requestId,
          reason: 'user-request',
          regulation: event.data.regulation,
          causationId: event.envelope.eventId,
        });
        return;
      }
      if (isEventOfType(event, 'ErasureTaskCompleted')) {
        const {
          requestId,
          participantId,
          attempt,
          outcome,
          counts,
          verifiedEmpty,
          evidenceDigest,
          retainedUntil,
        } = event.data;
        await handle(
          subjectId,
          {
            type: 'RecordTaskOutcome',
            data: {
              requestId,
              participantId,
              attempt,
              completed: { outcome, counts, verifiedEmpty, evidenceDigest, retainedUntil },
              failed: null,
            },
            metadata: { now: at },
          },
          context,
        );
      } else if (isEventOfType(event, 'ErasureTaskFailed')) {
        const { requestId, participantId, attempt, retriable, code } = event.data;
        await handle(
          subjectId,
          {
            type: 'RecordTaskOutcome',
            data: { requestId, participantId, attempt, completed: null, failed: { retriable, code } },
            metadata: { now: at },
          },
          context,
        );
      }
    },
  });

  const vault = createKeyVault({ db: deps.db, kek: deps.kek });
  const keyVault: Participant = await joinErasureProtocol({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    topicName,
    // Whole-account scope only: shredding the key voids every sealed field of the subject.
    declaration: {
      participantId: 'key-vault',
      stores: ['mongodb:subject_keys'],
      categories: ['account'],
      phase: 99,
      timeoutMs: 30_000,
    },
    erase: async ({ subjectId, requestId }) => {
      const evidence = await vault.shred(subjectId, { requestId, at: now() });
      return {
        outcome: 'erased',
        counts: { 'mongodb:subject_keys': evidence.destroyed ? 1 : 0 },
        verifiedEmpty: evidence.verifiedEmpty,
        evidence: { keyPresent: !evidence.verifiedEmpty, forgottenRecorded: evidence.verifiedEmpty },
      };
    },
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
          erase: writeTombstones({ producer, topics: compactedTopics }),
        });

  relay.start(200);

  const app = buildServiceApp({
    name: 'erasure',
    version: '0.1.0',
    logger: deps.logger,
    publicKeys: deps.publicKeys,
    readiness: { mongo: async () => (await deps.db.command({ ping: 1 })).ok === 1 },
  });
  const load = async (requestId: string) => {
    const index = await requests.findOne({ _id: requestId });
    if (!index) return undefined;
    const head = await streams.load(index.subjectId);
    return head ? { subjectId: index.subjectId, state: head.state } : undefined;
  };
  await app.register(async (scope) =>
    erasureRoutes(scope, { requestErasure, load, directory, recordDisclosure: llm.record }),
  );

  return {
    app,
    directory,
    async stop() {
      sweeping = false;
      await sweeper;
      await answers.stop();
      await keyVault.stop();
      await llmProviders.stop();
      await compacted?.stop();
      await directory.stop();
      await relay.stop();
      await producer.disconnect();
      await app.close();
    },
  };
}

export type { StreamDocument };
