import { randomBytes } from 'node:crypto';

import type { Admin, Kafka } from 'kafkajs';
import type { Db } from 'mongodb';

import { localKek } from '@lethe/crypto';
import { createEventCodec, createSchemaRegistry, loadCatalog, type EventCodec } from '@lethe/events';
import { joinErasureProtocol, type Participant } from '@lethe/participant';
import { generateSigningKeys, publicKeyFrom } from '@lethe/service-kit';
import {
  bearer,
  createPrefixedTopics,
  eventually,
  testDatabase,
  testKafka,
  testLogger,
  testServers,
  uniqueName,
} from '@lethe/test-harness';

import { startErasureService, type ErasureService } from './service';

// A participant that takes its task and never answers: the task times out, is issued again up
// to the limit, then counts as failed. The others finish, and the request completes as partial.

const keys = generateSigningKeys();
const operator = bearer(keys.privateKey, ['operator']);

describe('a participant that never answers', () => {
  const prefix = uniqueName('timeout');
  const topicName = (logical: string) => `${prefix}.${logical}`;
  let db: Db;
  let drop: () => Promise<void>;
  let kafka: Kafka;
  let admin: Admin;
  let codec: EventCodec;
  let erasure: ErasureService;
  const participants: Participant[] = [];
  let attemptsSeen = 0;
  let wakeSilent!: () => void;
  const silentUntilTheEnd = new Promise<void>((resolve) => (wakeSilent = resolve));

  beforeAll(async () => {
    ({ db, drop } = await testDatabase('timeout'));
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await createPrefixedTopics(admin, topicName, [
      'lethe.account.events.v1',
      'lethe.erasure.events.v1',
      'lethe.erasure.participants.v1',
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
      async () => (erasure.directory.list().length === 4 ? true : undefined),
      30_000,
      'four participants',
    );
  });

  afterAll(async () => {
    await erasure.stop();
    wakeSilent();
    await Promise.all(participants.map((p) => p.stop()));
    await admin.disconnect();
    await drop();
  });

  it('times the task out, retries it, then completes as partial without waiting for it', async () => {
    const created = await erasure.app.inject({
      method: 'POST',
      url: '/v1/erasure-requests',
      headers: operator,
      payload: { subjectId: 'sub_timeout', reason: 'dsar' },
    });
    expect(created.statusCode).toBe(202);
    const { requestId } = created.json() as { requestId: string };

    const status = await eventually(
      async () => {
        const body = (
          await erasure.app.inject({ url: `/v1/erasure-requests/${requestId}`, headers: operator })
        ).json() as { status?: string };
        return body.status === 'completed'
          ? (body as { result: string; outcomes: { participantId: string; outcome: string }[] })
          : undefined;
      },
      60_000,
      'the request to complete',
    );
    expect(status.result).toBe('partial');
    expect(Object.fromEntries(status.outcomes.map((o) => [o.participantId, o.outcome]))).toEqual({
      'key-vault': 'erased',
      'llm-providers': 'not-found',
      prompt: 'erased',
      silent: 'failed',
    });
    // The silent task went out once per attempt; only the first reached the hung handler (the
    // participant works one task at a time), which is how a stuck store looks from outside.
    expect(attemptsSeen).toBeGreaterThanOrEqual(1);
  });
});
