import { randomBytes, type KeyObject } from 'node:crypto';

import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';

import {
  ACCOUNT_EVENTS_TOPIC,
  ACCOUNT_INGEST_TOPIC,
  createAccountService,
  startIngestConsumer,
  type AccountService,
} from '@lethe/account';
import { localKek, type KeyEncryptionKey } from '@lethe/crypto';
import { startErasureService, type ErasureService } from '@lethe/erasure';
import { createEventCodec, createSchemaRegistry, loadCatalog, type EventCodec } from '@lethe/events';
import { createOutboxRelay, type OutboxRelay } from '@lethe/eventstore';
import type { ConsumerRunner, KafkaAdmin, KafkaClient } from '@lethe/kafka';
import {
  loadPolicy,
  startRetentionService,
  type RetentionPolicy,
  type RetentionService,
} from '@lethe/retention';
import {
  accessRecorderOn,
  generateSigningKeys,
  publicKeyFrom,
  serviceFetch,
  topicNamer,
} from '@lethe/service-kit';

import { bearer } from './auth';
import { testTaskKeys } from './task-keys';
import { manualClock, type ManualClock } from './clock';
import { eventually, uniqueName } from './isolation';
import { createPrefixedTopics, deleteTestTopicsAndGroups, testKafka, testLogger } from './kafka';
import { testDatabase } from './mongo';
import { testRedis } from './redis';
import { testCaFile } from './https';
import { serversEnv } from './python';
import { testServers } from './servers';

/** The topics a world of account, retention and erasure services reads and writes. */
const WORLD_TOPICS = [
  ACCOUNT_EVENTS_TOPIC,
  'lethe.consent.events.v1',
  'lethe.retention.events.v1',
  'lethe.erasure.events.v1',
  'lethe.erasure.answers.v1',
  'lethe.access.events.v1',
] as const;

export interface CompletedErasure {
  readonly requestId: string;
  readonly status: 'completed';
  readonly result: string;
  readonly outcomes: readonly {
    participantId: string;
    outcome: string;
    verifiedEmpty: boolean;
    counts?: Record<string, number>;
  }[];
}

export interface World {
  readonly db: Db;
  readonly kafka: KafkaClient;
  readonly admin: KafkaAdmin;
  readonly codec: EventCodec;
  readonly redis: Redis;
  readonly kek: KeyEncryptionKey;
  readonly clock: ManualClock;
  readonly topicName: (logical: string) => string;
  readonly operator: Record<string, string>;
  /** A bearer header for another service of the company (scope `service`). */
  readonly service: Record<string, string>;
  /** A bearer header for a subject itself (scope `subject`), as the portal mints one. */
  subject(subjectId: string): Record<string, string>;
  readonly accounts: AccountService;
  readonly retention: RetentionService;
  readonly erasure: ErasureService;
  /** Opens an account over HTTP and returns its subject id. */
  openAccount(name: string): Promise<string>;
  /**
   * The subject deletes its account; resolves with the request's status once it completed, with
   * each participant's outcome.
   */
  deleteAccountAndWait(subjectId: string, timeoutMs?: number): Promise<CompletedErasure>;
  /**
   * What a service outside the repository is started with to reach this world (as `./lethe env`
   * prints for the shared stack): brokers, CA, SASL, registry, the topic prefix, task keys.
   */
  outsideServiceEnv(): NodeJS.ProcessEnv;
  /** Waits until a consumer group (logical name) has committed everything now on a topic. */
  consumedUpTo(group: string, logical: string, timeoutMs?: number): Promise<void>;
  /** Stops every service and removes the world's database and topics. */
  stop(): Promise<void>;
}

/**
 * Account, retention and erasure services in this process, on a test's own topics, database
 * and clock: the set-up the cross-service tests share.
 */
export async function startWorld({
  name = 'world',
  partitions = 3,
  policy = loadPolicy(),
  ingestSealingKey,
}: {
  name?: string;
  partitions?: number;
  policy?: RetentionPolicy;
  /** With it, the account service folds the ingest topic, opened with this X25519 private key. */
  ingestSealingKey?: KeyObject;
} = {}): Promise<World> {
  const topicName = topicNamer(uniqueName(name));
  const clock = manualClock(new Date('2026-11-27T09:00:00Z'));
  const keys = generateSigningKeys();
  const kek = localKek(randomBytes(32).toString('base64'));
  const { db, drop } = await testDatabase(name);
  const kafka = await testKafka();
  const admin = kafka.admin;
  const topics = await createPrefixedTopics(admin, topicName, WORLD_TOPICS, partitions);
  topics.push(...(await createPrefixedTopics(admin, topicName, ['lethe.erasure.participants.v1'])));
  const codec = createEventCodec({
    registry: createSchemaRegistry(testServers().registryUrl, { caFile: testCaFile() }),
    catalog: loadCatalog(),
  });
  const redis = testRedis();
  const common = { db, redis, codec, kek, logger: testLogger(), publicKeys: [publicKeyFrom(keys.publicKey)] };

  let accountRelay: OutboxRelay | undefined;
  const accounts = await createAccountService({
    ...common,
    published: (timeoutMs) => accountRelay?.published(timeoutMs) ?? Promise.resolve(false),
    now: clock.now,
    topic: topicName(ACCOUNT_EVENTS_TOPIC),
  });
  accountRelay = createOutboxRelay({
    store: accounts.streams,
    send: kafka.send,
    logger: testLogger(),
  });
  accountRelay.start(100);
  let ingest: ConsumerRunner | undefined;
  if (ingestSealingKey) {
    topics.push(...(await createPrefixedTopics(admin, topicName, [ACCOUNT_INGEST_TOPIC], partitions)));
    ingest = await startIngestConsumer({
      kafka,
      codec,
      logger: testLogger(),
      sealingKey: ingestSealingKey,
      legacySealingUntil: new Date(0),
      handle: accounts.handle,
      recordUsage: accounts.recordUsage,
      // Other services stamp events with the real time; the world's clock may be behind it.
      now: () => new Date(),
      topicName,
    });
  }
  const erasure = await startErasureService({
    taskSigningKey: testTaskKeys().signingKey,
    ...common,
    // Reads of personal data (an access package's download) go on the world's access log.
    recordAccess: accessRecorderOn(kafka.eventProducer(codec, topicName), 'erasure'),
    // HTTPS participants in tests serve the test servers' certificate.
    participantFetch: serviceFetch(testCaFile(), { publicRoots: true }),
    kafka,
    topicName,
    now: clock.now,
  });
  const retention = await startRetentionService({ ...common, kafka, topicName, clock, policy });
  const operator = bearer(keys.privateKey, ['operator']);
  const service = bearer(keys.privateKey, ['service']);

  return {
    db,
    kafka,
    admin,
    codec,
    redis,
    kek,
    clock,
    topicName,
    operator,
    service,
    subject: (subjectId) => bearer(keys.privateKey, ['subject'], subjectId),
    accounts,
    retention,
    erasure,
    async openAccount(accountName) {
      const response = await accounts.app.inject({
        method: 'POST',
        url: '/v1/accounts',
        headers: operator,
        payload: { email: `${accountName}@example.com`, name: accountName },
      });
      if (response.statusCode !== 201) throw new Error(`account not opened: ${response.body}`);
      // On the account log before the caller waits for a consumer to read it: the outbox
      // publishes a moment after the 201 (a fresh-clone CI run caught consumedUpTo passing early).
      if (!(await accountRelay?.published(10_000)))
        throw new Error('the sign-up did not reach the account log');
      return response.json<{ subjectId: string }>().subjectId;
    },
    outsideServiceEnv() {
      return {
        ...serversEnv(topicName('').replace(/\.$/, '')),
        LETHE_TASK_PUBLIC_KEYS: process.env.LETHE_TASK_PUBLIC_KEYS,
      };
    },
    async deleteAccountAndWait(subjectId, timeoutMs = 90_000) {
      const deletion = await accounts.app.inject({
        method: 'DELETE',
        url: `/v1/accounts/${subjectId}`,
        headers: bearer(keys.privateKey, ['subject'], subjectId),
      });
      if (deletion.statusCode !== 202) throw new Error(`the deletion was not accepted: ${deletion.body}`);
      const { requestId } = deletion.json<{ requestId: string }>();
      let lastSeen = '';
      try {
        return await eventually(
          async () => {
            const response = await erasure.app.inject({
              url: `/v1/erasure-requests/${requestId}`,
              headers: operator,
            });
            lastSeen = response.body;
            const body = response.json<Partial<CompletedErasure>>();
            return body.status === 'completed' ? (body as CompletedErasure) : undefined;
          },
          timeoutMs,
          `erasure request ${requestId} to complete`,
        );
      } catch (error) {
        // Where it stopped: which participants answered, and how the erasure service's
        // consumers stand (a stuck request is otherwise only a timeout).
        const ready = await erasure.app.inject({ url: '/readyz' }).catch(() => undefined);
        throw new Error(
          `${(error as Error).message}\nlast seen: ${lastSeen.slice(0, 3_000)}\nerasure /readyz: ${ready?.body.slice(0, 3_000) ?? 'no answer'}`,
          { cause: error },
        );
      }
    },
    async consumedUpTo(group, logical, timeoutMs = 30_000) {
      const high = await admin.endOffsets(topicName(logical));
      await eventually(
        async () => {
          const committed = await admin.committedOffsets(topicName(group), topicName(logical));
          // An empty partition has nothing to read (and a committed offset of -1).
          return high.every((p) => p.high === 0 || (committed.get(p.partition) ?? -1) >= p.high)
            ? true
            : undefined;
        },
        timeoutMs,
        `${group} to read ${logical}`,
      );
    },
    async stop() {
      await retention.stop();
      await ingest?.stop();
      await erasure.stop();
      await accountRelay.stop();
      await accounts.app.close();
      redis.disconnect();
      await deleteTestTopicsAndGroups(admin, topicName(''));
      await kafka.close();
      await drop();
    },
  };
}
