import { randomBytes } from 'node:crypto';

import type { KafkaAdmin, KafkaClient } from '@lethe/kafka';
import type { Db } from 'mongodb';

import { localKek } from '@lethe/crypto';
import {
  createEventCodec,
  createSchemaRegistry,
  isEventOfType,
  loadCatalog,
  type EventCodec,
} from '@lethe/events';
import { joinErasureProtocol, type Participant } from '@lethe/participant';
import { generateSigningKeys, publicKeyFrom } from '@lethe/service-kit';
import {
  bearer,
  createPrefixedTopics,
  eventually,
  readAllEvents,
  testDatabase,
  testKafka,
  testLogger,
  testServers,
  uniqueName,
} from '@lethe/test-harness';

import { retryBackoffMs } from './request/model';
import { startErasureService, type ErasureService } from './service';

// Two participants that fail. One takes its task and never answers: the task times out, is issued
// again up to the limit, then counts as failed. One fails twice and then succeeds: it is retried
// after a backoff and ends erased. The others finish, and the request completes as partial.

const keys = generateSigningKeys();
const operator = bearer(keys.privateKey, ['operator']);

describe('participants that fail', () => {
  const prefix = uniqueName('timeout');
  const topicName = (logical: string) => `${prefix}.${logical}`;
  let db: Db;
  let drop: () => Promise<void>;
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let codec: EventCodec;
  let erasure: ErasureService;
  const participants: Participant[] = [];
  let attemptsSeen = 0;
  let flakyAttempts = 0;
  let wakeSilent!: () => void;
  const silentUntilTheEnd = new Promise<void>((resolve) => (wakeSilent = resolve));

  beforeAll(async () => {
    ({ db, drop } = await testDatabase('timeout'));
    kafka = await testKafka();
    admin = kafka.admin;
    await createPrefixedTopics(admin, topicName, [
      'lethe.account.events.v1',
      'lethe.erasure.events.v1',
      'lethe.erasure.participants.v1',
      'lethe.retention.events.v1',
    ]);
    codec = createEventCodec({
      registry: createSchemaRegistry(testServers().registryUrl),
      catalog: loadCatalog(),
    });
    participants.push(
      await joinErasureProtocol({
        kafka,
        codec,
        logger: testLogger(),
        topicName,
        declaration: {
          participantId: 'silent',
          stores: ['test:silent'],
          categories: ['account'],
          phase: 1,
          timeoutMs: 400,
        },
        erase: async () => {
          attemptsSeen += 1;
          await silentUntilTheEnd; // answers only after the test, far past every deadline
          return { outcome: 'erased', counts: {}, verifiedEmpty: true, evidence: {} };
        },
      }),
      await joinErasureProtocol({
        kafka,
        codec,
        logger: testLogger(),
        topicName,
        declaration: {
          participantId: 'prompt',
          stores: ['test:prompt'],
          categories: ['account'],
          phase: 1,
          timeoutMs: 10_000,
        },
        erase: async () => ({
          outcome: 'erased',
          counts: { 'test:prompt': 1 },
          verifiedEmpty: true,
          evidence: {},
        }),
      }),
    );
    participants.push(
      await joinErasureProtocol({
        kafka,
        codec,
        logger: testLogger(),
        topicName,
        declaration: {
          participantId: 'flaky',
          stores: ['test:flaky'],
          categories: ['account'],
          phase: 1,
          timeoutMs: 10_000,
        },
        erase: async () => {
          flakyAttempts += 1;
          if (flakyAttempts <= 2)
            throw Object.assign(new Error('store unavailable'), {
              code: 'STORE_UNAVAILABLE',
              retriable: true,
            });
          return { outcome: 'erased', counts: { 'test:flaky': 1 }, verifiedEmpty: true, evidence: {} };
        },
      }),
    );
    erasure = await startErasureService({
      db,
      kafka,
      codec,
      kek: localKek(randomBytes(32).toString('base64')),
      logger: testLogger(),
      publicKeys: [publicKeyFrom(keys.publicKey)],
      topicName,
    });
    await eventually(
      async () => (erasure.directory.list().length === 5 ? true : undefined),
      30_000,
      'five participants',
    );
  });

  afterAll(async () => {
    await erasure.stop();
    wakeSilent();
    await Promise.all(participants.map((p) => p.stop()));
    await kafka.close();
    await drop();
  });

  it('retries with backoff, times out the silent one, and completes as partial without waiting for it', async () => {
    const created = await erasure.app.inject({
      method: 'POST',
      url: '/v1/erasure-requests',
      headers: operator,
      payload: { subjectId: 'sub_timeout', reason: 'dsar' },
    });
    expect(created.statusCode).toBe(202);
    const { requestId } = created.json<{ requestId: string }>();

    const status = await eventually(
      async () => {
        const body = (
          await erasure.app.inject({ url: `/v1/erasure-requests/${requestId}`, headers: operator })
        ).json<{ status?: string }>();
        return body.status === 'completed'
          ? (body as { result: string; outcomes: { participantId: string; outcome: string }[] })
          : undefined;
      },
      60_000,
      'the request to complete',
    );
    expect(status.result).toBe('partial');
    expect(Object.fromEntries(status.outcomes.map((o) => [o.participantId, o.outcome]))).toEqual({
      flaky: 'erased',
      'key-vault': 'erased',
      'llm-providers': 'not-found',
      prompt: 'erased',
      silent: 'failed',
    });
    // The silent task went out once per attempt; only the first reached the hung handler (the
    // participant works one task at a time), which is how a stuck store looks from outside.
    expect(attemptsSeen).toBeGreaterThanOrEqual(1);

    // On the log: the flaky participant failed twice, and each retry waited out its backoff.
    const onLog = (await readAllEvents(kafka, codec, topicName('lethe.erasure.events.v1'))).filter(
      (event) => (event.data as { participantId?: string }).participantId === 'flaky',
    );
    const failures = onLog.filter((event) => isEventOfType(event, 'ErasureTaskFailed'));
    expect(failures.map((event) => (event.data as { code: string }).code)).toEqual([
      'STORE_UNAVAILABLE',
      'STORE_UNAVAILABLE',
    ]);
    const issued = onLog.filter((event) => isEventOfType(event, 'ErasureTaskIssued'));
    expect(issued.map((event) => (event.data as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    for (const attempt of [1, 2]) {
      const failedAt = failures[attempt - 1]!.envelope.occurredAt;
      expect(issued[attempt]!.envelope.occurredAt - failedAt).toBeGreaterThanOrEqual(
        retryBackoffMs(attempt) - 50,
      );
    }
    expect(flakyAttempts).toBe(3);
  });
});
