import { randomBytes } from 'node:crypto';

import { MongoClient } from 'mongodb';

import { createAccountEventsClient, type AccountEventsClient } from '@lethe/client';
import { generateSealingKeys, localKek, sealingPrivateKeyFrom } from '@lethe/crypto';
import { createEventCodec, createSchemaRegistry, isEventOfType, loadCatalog } from '@lethe/events';
import { createOutboxRelay, type OutboxRelay } from '@lethe/eventstore';
import type { ConsumerRunner, KafkaClient } from '@lethe/kafka';
import { generateSigningKeys, publicKeyFrom, topicNamer } from '@lethe/service-kit';
import {
  createPrefixedTopics,
  deleteTestTopicsAndGroups,
  eventually,
  privateMongo,
  readAllEvents,
  testKafka,
  testLogger,
  testRedis,
  testServers,
  uniqueName,
  type PrivateMongo,
} from '@lethe/test-harness';

import { ACCOUNT_EVENTS_TOPIC } from '../events/to-records';
import { createAccountService, type AccountService } from '../service';
import { ACCOUNT_INGEST_TOPIC } from './ingest-command';
import { startIngestConsumer } from './ingest-consumer';

// The store stops for a while under steady ingest (its own FerretDB, never the shared one):
// nothing is dead-lettered, the service says it is not ready meanwhile, and once the store is
// back every sign-up becomes exactly one account.

const OUTAGE_MS = Number(process.env.LETHE_OUTAGE_TEST_MS ?? 90_000);
const SIGN_UP_EVERY_MS = 3_000;

describe('a store outage under steady ingest', () => {
  const topicName = topicNamer(uniqueName('outage'));
  const sealing = generateSealingKeys();
  const codec = createEventCodec({
    registry: createSchemaRegistry(testServers().registryUrl),
    catalog: loadCatalog(),
  });
  let mongo: PrivateMongo;
  let client: MongoClient;
  let kafka: KafkaClient;
  let service: AccountService;
  let relay: OutboxRelay;
  let ingest: ConsumerRunner;
  let emitter: AccountEventsClient;
  const redis = testRedis();

  beforeAll(async () => {
    mongo = await privateMongo();
    // Quick to notice the store is gone, so the test sees retries rather than long waits.
    client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 2_000 });
    await client.connect();
    kafka = await testKafka();
    await createPrefixedTopics(kafka.admin, topicName, [ACCOUNT_INGEST_TOPIC, ACCOUNT_EVENTS_TOPIC], 3);
    const db = client.db('outage');
    service = await createAccountService({
      db,
      redis,
      codec,
      kek: localKek(randomBytes(32).toString('base64')),
      topic: topicName(ACCOUNT_EVENTS_TOPIC),
      logger: testLogger(),
      publicKeys: [publicKeyFrom(generateSigningKeys().publicKey)],
      readiness: { ingest: async () => !ingest.stalled() },
    });
    relay = createOutboxRelay({ store: service.streams, send: kafka.send, logger: testLogger() });
    relay.start(100);
    ingest = await startIngestConsumer({
      kafka,
      codec,
      logger: testLogger(),
      sealingKey: sealingPrivateKeyFrom(sealing.privateKey),
      handle: service.handle,
      now: () => new Date(),
      topicName,
    });
    emitter = await createAccountEventsClient({
      producer: 'outage-test',
      accountPublicKey: sealing.publicKey,
      brokers: testServers().kafkaBrokers,
      registryUrl: testServers().registryUrl,
      topicName,
      logger: testLogger(),
      kafka,
    });
  });
  afterAll(async () => {
    await ingest?.stop();
    await relay?.stop();
    await service?.app.close();
    await emitter?.close();
    await deleteTestTopicsAndGroups(kafka.admin, topicName(''));
    await kafka?.close();
    await client?.close();
    await mongo?.destroy();
    redis.disconnect();
  });

  it(
    `loses no sign-up and dead-letters none while the store is down ${OUTAGE_MS / 1000} s`,
    async () => {
      const subjects: string[] = [];
      const signUp = async () =>
        subjects.push(
          (await emitter.signedUp({ email: `u${subjects.length}@example.com`, name: 'U' })).subjectId,
        );
      for (let i = 0; i < 3; i += 1) await signUp();
      await eventually(async () => ((await service.streams.load(subjects[2]!)) ? true : undefined), 30_000);

      await mongo.stop();
      const outageEnds = Date.now() + OUTAGE_MS;
      let sawNotReady = false;
      while (Date.now() < outageEnds) {
        await signUp();
        const ready = await service.app.inject({ url: '/readyz' });
        if (ready.statusCode !== 200) sawNotReady = true;
        await new Promise((resolve) => setTimeout(resolve, SIGN_UP_EVERY_MS));
      }
      await mongo.start();
      for (let i = 0; i < 3; i += 1) await signUp();

      // Every sign-up is an account, once; nothing went to the dead-letter topic.
      await eventually(
        async () => {
          for (const subjectId of subjects) if (!(await service.streams.load(subjectId))) return undefined;
          return true;
        },
        120_000,
        `all ${subjects.length} accounts after the outage`,
      );
      await relay.flush();
      const created = (await readAllEvents(kafka, codec, topicName(ACCOUNT_EVENTS_TOPIC))).filter((event) =>
        isEventOfType(event, 'AccountCreated'),
      );
      expect(created.map((event) => event.envelope.subjectId).sort()).toEqual([...subjects].sort());
      const deadLetters = await kafka.admin.endOffsets(`${topicName(ACCOUNT_INGEST_TOPIC)}.dlq`);
      expect(deadLetters.reduce((sum, partition) => sum + partition.high, 0)).toBe(0);
      expect(sawNotReady).toBe(true);
      await eventually(async () =>
        (await service.app.inject({ url: '/readyz' })).statusCode === 200 ? true : undefined,
      );
    },
    OUTAGE_MS + 240_000,
  );
});
