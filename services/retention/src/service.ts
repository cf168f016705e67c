import type { KeyObject } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';

import { createFieldCipher, createKeyVault, type KeyEncryptionKey } from '@lethe/crypto';
import type { EventCodec } from '@lethe/events';
import {
  createCommandHandler,
  createOutboxRelay,
  createStreamStore,
  mongoIdempotencyRecords,
  startTimerSweeper,
  type StreamStore,
} from '@lethe/eventstore';
import { SUBJECTS_CONSUMED_CONCURRENTLY, type ConsumerRunner, type KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';
import type { ExportResult, ExportTask } from '@lethe/participant';
import {
  buildServiceApp,
  type AccessRecorder,
  type Clock,
  type ServerTls,
  systemClock,
  type TokenSettings,
  type ServiceOperations,
  observeStreamStores,
} from '@lethe/service-kit';

import { legalHolds } from './holds/legal-holds';
import { retentionRoutes } from './http/routes';
import { activatePolicy } from './policy/activation';
import type { RetentionPolicy } from './policy/policy';
import { nextWakeup, retentionDecider } from './retention/decider';
import { reactToSubjectEvent } from './reactions';
import type { RetentionState } from './retention/model';
import { retentionExport } from './retention/schedule-participant';
import { RETENTION_EVENTS_TOPIC, retentionRecords } from './retention/to-records';

export const RETENTION_STREAMS = 'retention_streams';
export { LEGAL_HOLDS } from './holds/legal-holds';

export interface RetentionServiceDeps {
  db: Db;
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  publicKeys: readonly KeyObject[];
  /** Token issuer and revoked ids (config.tokens); `lethe` and none by default. */
  tokens?: TokenSettings;
  /** The HTTPS certificate and key (config.https); without, plain HTTP (app.inject() tests). */
  https?: ServerTls | undefined;
  /** /metrics and Kafka's readiness checks (main.ts makes them with serviceOperations). */
  operations?: ServiceOperations;
  /** Records each answer that carries personal data (main.ts: on the access topic). */
  recordAccess?: AccessRecorder | undefined;
  policy: RetentionPolicy;
  /** Seals each legal hold's reference and reason under the subject's key. */
  kek: KeyEncryptionKey;
  clock?: Clock;
  topicName?: (logical: string) => string;
}

export interface RetentionService {
  app: FastifyInstance;
  streams: StreamStore<RetentionState>;
  /** Fires what is due now (also done every 500 ms). */
  sweep(): Promise<void>;
  /** Answers an access request with the subject's retention schedule (main.ts joins it). */
  exportSchedule: (task: ExportTask) => Promise<ExportResult>;
  stop(): Promise<void>;
}

/**
 * The retention service: folds the account and consent logs into per-subject clocks, keeps legal
 * holds, and when a clock runs out emits RetentionExpired (the erasure service asks for the erasure).
 * Its scheduler is the stream store's timers: each subject's stream stores when it next wants
 * waking in the same insert as its state, so a restart loses no expiry, and an expiry is decided
 * once because the commit that records it is written once.
 */
export async function startRetentionService(deps: RetentionServiceDeps): Promise<RetentionService> {
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ component: 'retention' });
  const streams = await createStreamStore<RetentionState>({ db: deps.db, collection: RETENTION_STREAMS });
  if (deps.operations) observeStreamStores(deps.operations.metrics, { [RETENTION_STREAMS]: streams });
  const decider = retentionDecider(deps.policy);
  const relay = createOutboxRelay({ store: streams, send: deps.kafka.send, logger: log });
  const { store: policyStream } = await activatePolicy({
    db: deps.db,
    codec: deps.codec,
    policy: deps.policy,
    now: clock.now(),
    topic: topicName(RETENTION_EVENTS_TOPIC),
    activatedBy: 'retention-service',
  });
  const policyRelay = createOutboxRelay({ store: policyStream, send: deps.kafka.send, logger: log });
  await policyRelay.flush();

  const handle = createCommandHandler({
    store: streams,
    decider,
    toRecords: retentionRecords({ codec: deps.codec, topicName }),
    timerOf: nextWakeup,
  });
  const sweeper = startTimerSweeper({
    store: streams,
    now: () => clock.now(),
    logger: log,
    onDue: async (subjectId, now) => {
      const context = { now, correlationId: `retention:${subjectId}`, causationId: null };
      await handle(subjectId, { type: 'Tick', data: { subjectId }, metadata: { now } }, context);
    },
  });

  const observer: ConsumerRunner = await deps.kafka.runEventConsumer({
    codec: deps.codec,
    logger: log,
    groupId: topicName('lethe.retention'),
    topics: [topicName('lethe.account.events.v1'), topicName('lethe.consent.events.v1')],
    // Each subject's retention clock on its own.
    keysConsumedConcurrently: SUBJECTS_CONSUMED_CONCURRENTLY,
    handle: async (event) => {
      const subjectId = event.envelope.subjectId;
      const command = subjectId ? reactToSubjectEvent(event, clock.now()) : undefined;
      if (!subjectId || !command) return;
      const { correlationId, eventId } = event.envelope;
      await handle(subjectId, command, { now: command.metadata.now, correlationId, causationId: eventId });
    },
  });
  relay.start(200);
  const holds = legalHolds({
    db: deps.db,
    handle,
    relay,
    cipher: createFieldCipher({ vault: createKeyVault({ db: deps.db, kek: deps.kek }) }),
    now: () => clock.now(),
  });

  const app = buildServiceApp({
    name: 'retention',
    version: '0.1.0',
    logger: deps.logger,
    publicKeys: deps.publicKeys,
    ...(deps.tokens ? { tokens: deps.tokens } : {}),
    ...(deps.https ? { https: deps.https } : {}),
    ...(deps.operations ? { operations: deps.operations } : {}),
    ...(deps.recordAccess ? { recordAccess: deps.recordAccess } : {}),
    readiness: {
      mongo: async () => (await deps.db.command({ ping: 1 })).ok === 1,
      consumers: async () => !observer.stalled(),
    },
    idempotency: mongoIdempotencyRecords(deps.db),
  });
  await app.register(async (scope) =>
    retentionRoutes(scope, {
      policy: deps.policy,
      activations: async () => (await policyStream.load('retention-policy'))?.state.history ?? [],
      read: async (subjectId) => (await streams.load(subjectId))?.state,
      now: () => clock.now(),
      placeHold: (hold) => holds.place(hold),
      releaseHold: (holdId, releasedBy) => holds.release(holdId, releasedBy),
      holdText: (subjectId, hold) => holds.textOf(subjectId, hold),
    }),
  );

  return {
    app,
    streams,
    sweep: sweeper.sweep,
    exportSchedule: retentionExport(async (subjectId) => (await streams.load(subjectId))?.state),
    async stop() {
      await sweeper.stop();
      await observer.stop();
      await relay.stop();
      await app.close();
    },
  };
}
