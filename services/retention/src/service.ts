import type { KeyObject } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';

import { isEventOfType, type EventCodec } from '@lethe/events';
import {
  createCommandHandler,
  createOutboxRelay,
  createStreamStore,
  startTimerSweeper,
  type StreamStore,
} from '@lethe/eventstore';
import type { ConsumerRunner, KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';
import { buildServiceApp, systemClock, type Clock } from '@lethe/service-kit';

import { retentionRoutes } from './http/routes';
import { activatePolicy } from './policy/activation';
import type { RetentionPolicy } from './policy/policy';
import { nextWakeup, retentionDecider } from './retention/decider';
import { RetentionError, type RetentionCommand, type RetentionState } from './retention/model';
import { RETENTION_EVENTS_TOPIC, retentionRecords } from './retention/to-records';

export const RETENTION_STREAMS = 'retention_streams';
export const LEGAL_HOLDS = 'legal_holds';
/** How long a hold's answer waits for its event to be on the retention log. */
const HOLD_PUBLISH_TIMEOUT_MS = 10_000;

export interface RetentionServiceDeps {
  db: Db;
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  publicKeys: readonly KeyObject[];
  policy: RetentionPolicy;
  clock?: Clock;
  topicName?: (logical: string) => string;
}

export interface RetentionService {
  app: FastifyInstance;
  streams: StreamStore<RetentionState>;
  /** Fires what is due now (also done every 500 ms). */
  sweep(): Promise<void>;
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
  const holds = deps.db.collection<{ _id: string; subjectId: string }>(LEGAL_HOLDS);
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

  const handleCommand = createCommandHandler({
    store: streams,
    decider,
    toRecords: retentionRecords({ codec: deps.codec, topicName }),
    timerOf: nextWakeup,
  });
  const handle = (
    subjectId: string,
    command: RetentionCommand,
    correlationId: string,
    causationId: string | null = null,
  ) => handleCommand(subjectId, command, { now: command.metadata.now, correlationId, causationId });

  const sweeper = startTimerSweeper({
    store: streams,
    now: () => clock.now(),
    logger: log,
    onDue: async (subjectId, now) => {
      await handle(
        subjectId,
        { type: 'Tick', data: { subjectId }, metadata: { now } },
        `retention:${subjectId}`,
      );
    },
  });

  const observer: ConsumerRunner = await deps.kafka.runEventConsumer({
    codec: deps.codec,
    logger: log,
    groupId: topicName('lethe.retention'),
    topics: [topicName('lethe.account.events.v1'), topicName('lethe.consent.events.v1')],
    handle: async (event) => {
      const subjectId = event.envelope.subjectId;
      if (!subjectId) return;
      const now = clock.now();
      const at = event.envelope.occurredAt;
      const { correlationId, eventId } = event.envelope;
      let command: RetentionCommand | undefined;
      if (isEventOfType(event, 'AccountCreated'))
        command = { type: 'ObserveAccount', data: { event: 'created', at }, metadata: { now } };
      else if (
        isEventOfType(event, 'AccountActivityRecorded') ||
        isEventOfType(event, 'AccountReactivated')
      ) {
        const day = isEventOfType(event, 'AccountActivityRecorded')
          ? Date.parse(`${event.data.day}T00:00:00Z`)
          : at;
        command = { type: 'ObserveAccount', data: { event: 'active', at: day }, metadata: { now } };
      } else if (isEventOfType(event, 'AccountErased'))
        command = { type: 'ObserveAccount', data: { event: 'erased', at }, metadata: { now } };
      else if (isEventOfType(event, 'ConsentGranted') || isEventOfType(event, 'ConsentWithdrawn'))
        command = {
          type: 'ObserveConsent',
          data: { purpose: event.data.purpose, granted: isEventOfType(event, 'ConsentGranted'), at },
          metadata: { now },
        };
      if (command) await handle(subjectId, command, correlationId, eventId);
    },
  });
  relay.start(200);

  const app = buildServiceApp({
    name: 'retention',
    version: '0.1.0',
    logger: deps.logger,
    publicKeys: deps.publicKeys,
    readiness: {
      mongo: async () => (await deps.db.command({ ping: 1 })).ok === 1,
      consumers: async () => !observer.stalled(),
    },
  });
  await app.register(async (scope) =>
    retentionRoutes(scope, {
      policy: deps.policy,
      activations: async () => (await policyStream.load('retention-policy'))?.state.history ?? [],
      read: async (subjectId) => (await streams.load(subjectId))?.state,
      now: () => clock.now(),
      placeHold: async ({ subjectId, ...hold }) => {
        const now = clock.now();
        // Indexed first, so a hold that is placed can always be found to release.
        await holds.insertOne({ _id: hold.holdId, subjectId });
        await handle(subjectId, { type: 'PlaceHold', data: hold, metadata: { now } }, hold.holdId).catch(
          async (error: unknown) => {
            await holds.deleteOne({ _id: hold.holdId });
            throw error;
          },
        );
        // The answer means the hold is on the retention log, where the erasure service reads it
        // before it plans any request made after this answer (DESIGN.md section 4, step 3).
        if (!(await relay.published(HOLD_PUBLISH_TIMEOUT_MS))) {
          throw new RetentionError(
            'RETENTION_HOLD_NOT_YET_EFFECTIVE',
            'the hold is recorded but not yet on the retention log; it takes effect once Kafka accepts it',
          );
        }
      },
      releaseHold: async (holdId, releasedBy) => {
        const index = await holds.findOne({ _id: holdId });
        const now = clock.now();
        // An unknown id goes to the decider too, which refuses it with RETENTION_HOLD_UNKNOWN.
        await handle(
          index?.subjectId ?? `unknown-hold:${holdId}`,
          { type: 'ReleaseHold', data: { holdId, releasedBy }, metadata: { now } },
          holdId,
        );
      },
    }),
  );

  return {
    app,
    streams,
    sweep: sweeper.sweep,
    async stop() {
      await sweeper.stop();
      await observer.stop();
      await relay.stop();
      await app.close();
    },
  };
}
