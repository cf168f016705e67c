import { randomBytes, randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';

import { createAccountEventsClient, type AccountEventsClient } from '@lethe/client';
import {
  generateSealingKeys,
  localKek,
  sealFieldTo,
  sealingPrivateKeyFrom,
  sealingPublicKeyFrom,
} from '@lethe/crypto';
import {
  createEventCodec,
  createSchemaRegistry,
  isEventOfType,
  loadCatalog,
  makeEvent,
  type EventCodec,
} from '@lethe/events';
import { createOutboxRelay } from '@lethe/eventstore';
import {
  DLQ_HEADERS,
  type ConsumerRunner,
  type EventProducer,
  type KafkaAdmin,
  type KafkaClient,
} from '@lethe/kafka';
import { generateSigningKeys, publicKeyFrom, topicNamer } from '@lethe/service-kit';
import {
  bearer,
  createPrefixedTopics,
  eventually,
  readAllEvents,
  readAllRecords,
  testDatabase,
  testKafka,
  testLogger,
  testRedis,
  testServers,
  uniqueName,
} from '@lethe/test-harness';

import { ACCOUNT_EVENTS_TOPIC } from '../events/to-records';
import { createAccountService, type AccountService } from '../service';
import { ACCOUNT_INGEST_TOPIC } from './ingest-command';
import { startIngestConsumer } from './ingest-consumer';

const signing = generateSigningKeys();
const operator = bearer(signing.privateKey, ['operator']);
const sealing = generateSealingKeys();

describe('the ingest topic: other services emit account events through @lethe/client', () => {
  const topicName = topicNamer(uniqueName('ingest'));
  const ingestTopic = topicName(ACCOUNT_INGEST_TOPIC);
  let db: Db;
  let drop: () => Promise<void>;
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let codec: EventCodec;
  let redis: Redis;
  let service: AccountService;
  let ingest: ConsumerRunner;
  let client: AccountEventsClient;
  let raw: EventProducer;

  beforeAll(async () => {
    ({ db, drop } = await testDatabase('ingest'));
    kafka = await testKafka();
    admin = kafka.admin;
    await createPrefixedTopics(admin, topicName, [ACCOUNT_INGEST_TOPIC, ACCOUNT_EVENTS_TOPIC], 3);
    codec = createEventCodec({
      registry: createSchemaRegistry(testServers().registryUrl),
      catalog: loadCatalog(),
    });
    redis = testRedis();
    service = await createAccountService({
      db,
      redis,
      codec,
      kek: localKek(randomBytes(32).toString('base64')),
      topic: topicName(ACCOUNT_EVENTS_TOPIC),
      logger: testLogger(),
      publicKeys: [publicKeyFrom(signing.publicKey)],
    });
    ingest = await startIngestConsumer({
      kafka,
      codec,
      logger: testLogger(),
      sealingKey: sealingPrivateKeyFrom(sealing.privateKey),
      handle: service.handle,
      now: () => new Date(),
      topicName,
    });
    client = await createAccountEventsClient({
      producer: 'billing',
      accountPublicKey: sealing.publicKey,
      brokers: testServers().kafkaBrokers,
      registryUrl: testServers().registryUrl,
      topicName,
      logger: testLogger(),
    });
    raw = kafka.eventProducer(codec, topicName);
  });
  afterAll(async () => {
    await ingest.stop();
    await client.close();
    await service.app.close();
    redis.disconnect();
    await kafka.close();
    await drop();
  });

  const profile = async (subjectId: string) => {
    const response = await service.app.inject({ url: `/v1/accounts/${subjectId}`, headers: operator });
    return response.statusCode === 200 ? response.json<Record<string, unknown>>() : undefined;
  };
  const deadLetters = async () => {
    const records = await readAllRecords(kafka, `${ingestTopic}.dlq`);
    return records.map((record) => ({
      cause: record.headers[DLQ_HEADERS.cause]?.toString() ?? '',
      value: record.value ?? Buffer.alloc(0),
    }));
  };

  it('folds each kind of event like the matching HTTP command; personal fields travel sealed', async () => {
    const { subjectId, eventId } = await client.signedUp(
      { email: 'grace@example.com', name: 'Grace Hopper', timezone: 'America/New_York' },
      { correlationId: 'billing-signup-1' },
    );
    await eventually(
      async () => (await profile(subjectId))?.status === 'active' || undefined,
      20_000,
      'the account',
    );
    expect(await profile(subjectId)).toMatchObject({
      email: 'grace@example.com',
      name: 'Grace Hopper',
      phone: null,
      timezone: 'America/New_York',
    });

    await client.profileChanged(subjectId, { name: 'Rear Admiral Grace Hopper', phone: '+1 555 0100' });
    await client.activitySeen(subjectId, { channel: 'billing', at: new Date(Date.now() - 3 * 86_400_000) });
    await client.deactivated(subjectId, { reason: 'card expired' });
    const deletion = await client.deletionRequested(subjectId, {
      reason: 'user-request',
      regulation: 'GDPR',
    });
    await eventually(
      async () => ((await profile(subjectId))?.deletionRequestId ? true : undefined),
      20_000,
      'the deletion request',
    );
    expect(await profile(subjectId)).toMatchObject({
      name: 'Rear Admiral Grace Hopper',
      phone: '+1 555 0100',
      status: 'deactivated',
      lastActiveDay: new Date().toISOString().slice(0, 10), // an older day does not move it back
    });

    // The account log: the same events as the HTTP path, caused by the ingest events.
    await createOutboxRelay({
      store: service.streams,
      send: kafka.send,
      logger: testLogger(),
    }).flush();
    const events = (await readAllEvents(kafka, codec, topicName(ACCOUNT_EVENTS_TOPIC))).filter(
      (event) => event.envelope.subjectId === subjectId,
    );
    expect(events.map((event) => event.envelope.type)).toEqual([
      'AccountCreated',
      'AccountActivityRecorded',
      'AccountProfileUpdated',
      'AccountDeactivated',
      'AccountDeletionRequested',
    ]);
    expect(events[0]!.envelope).toMatchObject({ causationId: eventId, correlationId: 'billing-signup-1' });
    const requested = events[4]!;
    expect(isEventOfType(requested, 'AccountDeletionRequested') && requested.data).toMatchObject({
      reason: 'user-request',
      regulation: 'GDPR',
    });
    expect(requested.envelope.causationId).toBe(deletion.eventId);

    // On the ingest topic the personal values are ciphertext; the key is the opaque subject id.
    const onIngest = (await readAllRecords(kafka, ingestTopic)).filter(
      (r) => r.key?.toString() === subjectId,
    );
    expect(onIngest).toHaveLength(5);
    for (const record of onIngest) {
      const text = record.value!.toString('latin1');
      for (const secret of ['grace@example.com', 'Grace Hopper', '555 0100', 'America/New_York'])
        expect(text).not.toContain(secret);
    }
  });

  it('dead-letters what it cannot fold, with the reason and without the value; nothing after it is lost', async () => {
    const subjectId = `sub_${randomUUID().replace(/-/g, '')}`;
    const sealedFor = (key: string, eventId: string, field: string, value: string) =>
      sealFieldTo(
        sealingPublicKeyFrom(key),
        { subjectId, context: ACCOUNT_INGEST_TOPIC, recordId: eventId, field },
        value,
      );
    const signUp = (key: string, email: string, eventId = randomUUID()) =>
      makeEvent(
        'SignedUp',
        { eventId, subjectId, correlationId: eventId, producer: 'crm', occurredAt: Date.now() },
        {
          email: sealedFor(key, eventId, 'email', email),
          name: sealedFor(key, eventId, 'name', 'Alan Turing'),
          phone: null,
          timezone: null,
        },
      );

    await raw.publish([{ event: signUp(sealing.publicKey, 'not-an-email') }]); // breaks a rule
    await raw.publish([{ event: signUp(generateSealingKeys().publicKey, 'alan@example.com') }]); // wrong key
    await kafka.send([{ topic: ingestTopic, key: subjectId, value: Buffer.from('garbage') }]);
    await client.profileChanged(`sub_${randomUUID().replace(/-/g, '')}`, { name: 'Nobody' }); // unknown subject
    const good = signUp(sealing.publicKey, 'alan@example.com');
    await raw.publish([{ event: good }, { event: good }]); // the same record twice: one account, no dead letter

    await eventually(
      async () => ((await profile(subjectId))?.email === 'alan@example.com' ? true : undefined),
      20_000,
      'the good sign-up',
    );
    const dead = await eventually(
      async () => {
        const letters = await deadLetters();
        return letters.length >= 4 ? letters : undefined;
      },
      20_000,
      'four dead letters',
    );
    expect(dead.map((letter) => letter.cause.split(':')[0]).sort()).toEqual([
      'ACCOUNT_NOT_FOUND',
      'EVENTS_NOT_WIRE_FORMAT',
      'INGEST_INVALID',
      'INGEST_SEAL_INVALID',
    ]);
    expect(dead.find((letter) => letter.cause.startsWith('INGEST_INVALID'))!.cause).toMatch(/email/);
    for (const letter of dead) expect(letter.cause).not.toMatch(/not-an-email|alan@example\.com|Nobody/);
    // The dead letter keeps the original bytes, so a fixed consumer can replay it.
    expect(dead.find((letter) => letter.cause.startsWith('EVENTS_NOT_WIRE_FORMAT'))!.value.toString()).toBe(
      'garbage',
    );

    await createOutboxRelay({
      store: service.streams,
      send: kafka.send,
      logger: testLogger(),
    }).flush();
    const created = (await readAllEvents(kafka, codec, topicName(ACCOUNT_EVENTS_TOPIC))).filter(
      (event) => event.envelope.subjectId === subjectId && event.envelope.type === 'AccountCreated',
    );
    expect(created).toHaveLength(1);
  });
});
