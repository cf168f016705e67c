import { randomBytes } from 'node:crypto';

import type { KafkaAdmin, KafkaClient } from '@lethe/kafka';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';

import {
  ACCOUNT_EVENTS_TOPIC,
  ACCOUNT_PARTICIPANT,
  CACHE_PARTICIPANT,
  cacheKeys,
  createAccountService,
  type AccountService,
} from '@lethe/account';
import { createFieldCipher, createKeyVault, localKek } from '@lethe/crypto';
import { startErasureService, type ErasureService } from '@lethe/erasure';
import {
  createEventCodec,
  createSchemaRegistry,
  isEventOfType,
  loadCatalog,
  type EventCodec,
  type LetheEvent,
} from '@lethe/events';
import { createOutboxRelay, type OutboxRelay } from '@lethe/eventstore';
import { joinErasureProtocol, type Participant } from '@lethe/participant';
import { generateSigningKeys, publicKeyFrom, type Scope } from '@lethe/service-kit';
import {
  bearer,
  createPrefixedTopics,
  createTestTopics,
  eventually,
  readAllEvents,
  readAllRecords,
  testDatabase,
  testKafka,
  testLogger,
  testRedis,
  testServers,
  uniqueName,
} from './index';
import { participantBasics, testTaskKeys } from './task-keys';

// The erasure path end to end, in one process on the real servers: two accounts with data in
// MongoDB (the account stream and a participant's own collection), the Kafka log and the key
// vault; one is deleted through the account API; the request fans out, phase by phase, and ends
// in exactly one ErasureCompleted. Each store is then read directly.

const keys = generateSigningKeys();
const kek = localKek(randomBytes(32).toString('base64'));
const as = (scope: Scope[], subjectId?: string) => bearer(keys.privateKey, scope, subjectId);

describe('erasure end to end', () => {
  const prefix = uniqueName('e2e');
  const topicName = (logical: string) => `${prefix}.${logical}`;
  const preferences = `${prefix}.app.preferences.v1`;
  let db: Db;
  let drop: () => Promise<void>;
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let codec: EventCodec;
  let accounts: AccountService;
  let redis: Redis;
  let accountRelay: OutboxRelay;
  let erasure: ErasureService;
  const participants: Participant[] = [];

  beforeAll(async () => {
    ({ db, drop } = await testDatabase('e2e'));
    kafka = await testKafka();
    admin = kafka.admin;
    await createPrefixedTopics(
      admin,
      topicName,
      [
        ACCOUNT_EVENTS_TOPIC,
        'lethe.erasure.events.v1',
        'lethe.erasure.answers.v1',
        'lethe.retention.events.v1',
        'lethe.consent.events.v1',
        'lethe.access.events.v1',
      ],
      3,
    );
    await createPrefixedTopics(admin, topicName, ['lethe.erasure.participants.v1']);
    codec = createEventCodec({
      registry: createSchemaRegistry(testServers().registryUrl, {
        caFile: testServers().security.LETHE_TLS_CA_FILE,
      }),
      catalog: loadCatalog(),
    });
    const publicKeys = [publicKeyFrom(keys.publicKey)];

    redis = testRedis();
    accounts = await createAccountService({
      db,
      redis,
      codec,
      kek,
      topic: topicName(ACCOUNT_EVENTS_TOPIC),
      logger: testLogger(),
      publicKeys,
      onAppended: () => accountRelay.wake(),
    });
    accountRelay = createOutboxRelay({
      store: accounts.streams,
      send: kafka.send,
      logger: testLogger(),
    });
    accountRelay.start(100);
    participants.push(
      await joinErasureProtocol({
        ...participantBasics({ kafka, codec, topicName }),
        declaration: ACCOUNT_PARTICIPANT,
        erase: accounts.erase,
      }),
    );
    participants.push(
      await joinErasureProtocol({
        ...participantBasics({ kafka, codec, topicName }),
        declaration: CACHE_PARTICIPANT,
        eraseMany: accounts.eraseCache,
      }),
    );

    // A service's own collection, joined with the SDK in a few lines.
    const notes = db.collection<{ subjectId: string; text: string }>('notes');
    participants.push(
      await joinErasureProtocol({
        ...participantBasics({ kafka, codec, topicName }),
        declaration: {
          participantId: 'notes',
          stores: ['mongodb:notes'],
          categories: ['user-content'],
          phase: 1,
          timeoutMs: 30_000,
        },
        erase: async ({ subjectId }) => {
          const { deletedCount } = await notes.deleteMany({ subjectId });
          const remaining = await notes.countDocuments({ subjectId });
          return {
            outcome: 'erased',
            counts: { 'mongodb:notes': deletedCount },
            verifiedEmpty: remaining === 0,
            evidence: { remaining },
          };
        },
      }),
    );

    // A service's own compacted topic keyed by subject (e.g. its users' preferences).
    await createTestTopics(admin, {
      name: preferences,
      partitions: 1,
      replicationFactor: 1,
      config: { 'cleanup.policy': 'compact' },
    });
    erasure = await startErasureService({
      taskSigningKey: testTaskKeys().signingKey,
      compactedTopics: [preferences],
      db,
      kafka,
      codec,
      kek,
      logger: testLogger(),
      publicKeys,
      topicName,
    });
    await eventually(
      async () => (erasure.directory.list().length === 7 ? true : undefined),
      30_000,
      'seven registered participants',
    );
  });

  afterAll(async () => {
    await erasure.stop();
    await Promise.all(participants.map((p) => p.stop()));
    await accountRelay.stop();
    await accounts.app.close();
    redis.disconnect();
    await kafka.close();
    await drop();
  });

  it('deletes one account everywhere, keeps the other, and completes exactly once with a certificate', async () => {
    const open = async (email: string) => {
      const response = await accounts.app.inject({
        method: 'POST',
        url: '/v1/accounts',
        headers: as(['operator']),
        payload: { email, name: email.split('@')[0] },
      });
      return response.json<{ subjectId: string }>().subjectId;
    };
    const gone = await open('gone@example.com');
    const kept = await open('kept@example.com');
    for (const subjectId of [gone, kept]) {
      await accounts.app.inject({ url: `/v1/accounts/${subjectId}`, headers: as(['operator']) }); // cached in Redis
      await accounts.app.inject({
        method: 'POST',
        url: `/v1/accounts/${subjectId}/sessions`,
        headers: as(['subject'], subjectId),
      });
    }
    expect(await redis.scard(cacheKeys.index(gone))).toBe(2);
    await db.collection('notes').insertMany([
      { subjectId: gone, text: 'private' },
      { subjectId: gone, text: 'also private' },
      { subjectId: kept, text: 'stays' },
    ]);

    await kafka.send(
      [gone, kept].map((subjectId) => ({
        topic: preferences,
        key: subjectId,
        value: Buffer.from(JSON.stringify({ theme: 'dark', subjectId })),
      })),
    );

    // What was sent to an LLM provider stays there up to 30 days: the certificate says until when.
    const sentAt = new Date();
    for (const subjectId of [gone, kept]) {
      const recorded = await erasure.app.inject({
        method: 'POST',
        url: '/v1/llm-disclosures',
        headers: as(['service']),
        payload: {
          subjectId,
          provider: 'openai',
          model: 'gpt-4o',
          purpose: 'scheduling-assistant',
          sentAt: sentAt.toISOString(),
        },
      });
      expect(recorded.statusCode).toBe(201);
    }

    const deletion = await accounts.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${gone}`,
      headers: as(['subject'], gone),
    });
    expect(deletion.statusCode).toBe(202);
    const { requestId } = deletion.json<{ requestId: string }>();

    const status = await eventually(
      async () => {
        const response = await erasure.app.inject({
          url: `/v1/erasure-requests/${requestId}`,
          headers: as(['auditor']),
        });
        const body = response.json<{ status?: string }>();
        return body.status === 'completed' ? body : undefined;
      },
      60_000,
      'the erasure to complete',
    );
    expect(status).toMatchObject({ requestId, subjectId: gone, result: 'complete' });
    expect(
      (status as { outcomes: { participantId: string; verifiedEmpty: boolean }[] }).outcomes.map((o) => [
        o.participantId,
        o.verifiedEmpty,
      ]),
    ).toEqual([
      ['access-exports', true],
      ['account', true],
      ['kafka-compacted', true],
      ['key-vault', true],
      ['llm-providers', true],
      ['notes', true],
      ['redis-cache', true],
    ]);

    // Exactly one ErasureCompleted for the request on the log, and the key vault went last.
    // (The status is the stream's; the event reaches the log a moment later, through the outbox.)
    const isCompletion = (e: LetheEvent) =>
      isEventOfType(e, 'ErasureCompleted') && e.data.requestId === requestId;
    const log = await eventually(
      async () => {
        const read = await readAllEvents(kafka, codec, topicName('lethe.erasure.events.v1'));
        return read.some(isCompletion) ? read : undefined;
      },
      30_000,
      'the completion on the log',
    );
    const completions = log.filter(isCompletion);
    expect(new Set(completions.map((e) => e.envelope.eventId)).size).toBe(1);
    const issued = log
      .filter((e) => isEventOfType(e, 'ErasureTaskIssued') && e.data.requestId === requestId)
      .map((e) => (isEventOfType(e, 'ErasureTaskIssued') ? e.data.participantId : ''));
    expect(issued[issued.length - 1]).toBe('key-vault');

    const llm = (
      status as { outcomes: { participantId: string; outcome: string; retainedUntil: number | null }[] }
    ).outcomes.find((o) => o.participantId === 'llm-providers');
    expect(llm).toMatchObject({
      outcome: 'provider-retention',
      retainedUntil: sentAt.getTime() + 30 * 24 * 60 * 60 * 1000,
    });
    expect(await db.collection('llm_disclosures').countDocuments({ subjectId: gone })).toBe(0);
    expect(await db.collection('llm_disclosures').countDocuments({ subjectId: kept })).toBe(1);
    // The model and the purpose are sealed under the subject's key, never stored in clear.
    const stored = await db.collection('llm_disclosures').findOne({ subjectId: kept });
    expect(stored).toMatchObject({ provider: 'openai', sealed: expect.any(Object) });
    expect(JSON.stringify(stored)).not.toMatch(/gpt-4o|scheduling-assistant/);
    // Nothing more is recorded about an erased subject.
    const afterErasure = await erasure.app.inject({
      method: 'POST',
      url: '/v1/llm-disclosures',
      headers: as(['service']),
      payload: { subjectId: gone, provider: 'openai', model: 'gpt-4o', purpose: 'scheduling-assistant' },
    });
    expect(afterErasure.statusCode).toBe(409);

    // The compacted topic: the erased subject's latest record is a tombstone, the other's is data.
    const latest = new Map<string, Buffer | null>();
    await eventually(
      async () => {
        for (const record of await readAllRecords(kafka, preferences))
          latest.set(record.key!.toString(), record.value);
        return latest.get(gone) === null ? true : undefined;
      },
      20_000,
      'the tombstone',
    );
    expect(latest.get(kept)?.toString()).toContain('dark');

    // Every store, read directly.
    expect(await redis.exists(cacheKeys.index(gone), cacheKeys.profile(gone))).toBe(0);
    expect(await redis.scard(cacheKeys.index(kept))).toBe(2);
    expect(await db.collection('notes').countDocuments({ subjectId: gone })).toBe(0);
    expect(await db.collection('notes').countDocuments({ subjectId: kept })).toBe(1);
    expect(
      (await accounts.app.inject({ url: `/v1/accounts/${gone}`, headers: as(['operator']) })).statusCode,
    ).toBe(404);
    expect(
      (await accounts.app.inject({ url: `/v1/accounts/${kept}`, headers: as(['operator']) })).json(),
    ).toMatchObject({ email: 'kept@example.com' });

    // The Kafka log from offset 0: the erased subject's personal fields read ERASED, the other's open.
    const cipher = createFieldCipher({ vault: createKeyVault({ db, kek }) });
    const created = (await readAllEvents(kafka, codec, topicName(ACCOUNT_EVENTS_TOPIC))).filter((e) =>
      isEventOfType(e, 'AccountCreated'),
    );
    for (const event of created) {
      if (!isEventOfType(event, 'AccountCreated')) continue;
      const subjectId = event.envelope.subjectId!;
      const opened = await cipher.decrypt(
        { subjectId, context: ACCOUNT_EVENTS_TOPIC, recordId: event.envelope.eventId, field: 'email' },
        event.data.email,
      );
      expect(opened).toEqual(
        subjectId === gone ? { kind: 'erased' } : { kind: 'value', value: 'kept@example.com' },
      );
    }
    expect(created).toHaveLength(2);
  });
});
