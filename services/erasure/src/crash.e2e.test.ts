import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import type { KafkaAdmin, KafkaClient } from '@lethe/kafka';
import type { Db } from 'mongodb';

import {
  createEventCodec,
  createSchemaRegistry,
  isEventOfType,
  loadCatalog,
  type EventCodec,
} from '@lethe/events';
import { joinErasureProtocol, type Participant } from '@lethe/participant';
import { generateSigningKeys } from '@lethe/service-kit';
import {
  bearer,
  createPrefixedTopics,
  eventually,
  freePort,
  killHard,
  readAllEvents,
  spawnLetheProcess,
  testDatabase,
  testKafka,
  testLogger,
  testServers,
  uniqueName,
} from '@lethe/test-harness';

// kill -9 the erasure service while a request is fanned out, start it again: the request
// completes, and exactly one ErasureCompleted is on the log.

const MAIN = path.resolve(__dirname, 'main.ts');
const keys = generateSigningKeys();
const operator = bearer(keys.privateKey, ['operator']);

describe('the erasure service under kill -9', () => {
  const prefix = uniqueName('crash');
  const topicName = (logical: string) => `${prefix}.${logical}`;
  let db: Db;
  let drop: () => Promise<void>;
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let codec: EventCodec;
  let port: number;
  let child: ChildProcess | undefined;
  let participant: Participant | undefined;

  function startService(): ChildProcess {
    return spawnLetheProcess(MAIN, db.databaseName, {
      LETHE_KEK: randomBytesKek,
      LETHE_AUTH_PUBLIC_KEYS: keys.publicKey,
      LETHE_ERASURE_PORT: String(port),
      LETHE_TOPIC_PREFIX: prefix,
      LETHE_LOG_LEVEL: 'warn',
    });
  }
  const randomBytesKek = randomBytes(32).toString('base64');

  async function ready() {
    await eventually(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return response?.status === 200 ? true : undefined;
      },
      60_000,
      'the erasure service to be ready',
    );
  }

  beforeAll(async () => {
    ({ db, drop } = await testDatabase('crash'));
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
    port = await freePort();
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await participant?.stop();
    await kafka.close();
    await drop();
  });

  it('completes the request once after a crash in the middle of the fan-out', async () => {
    // A participant that holds its task until the test lets it go.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let taken = 0;
    participant = await joinErasureProtocol({
      kafka,
      codec,
      logger: testLogger(),
      topicName,
      declaration: {
        participantId: 'slow-store',
        stores: ['test:slow'],
        categories: ['account'],
        phase: 1,
        timeoutMs: 60_000,
      },
      erase: async () => {
        taken += 1;
        await released;
        return {
          outcome: 'erased',
          counts: { 'test:slow': 1 },
          verifiedEmpty: true,
          evidence: { remaining: 0 },
        };
      },
    });

    child = startService();
    await ready();
    // The directory must know every participant (slow-store, and the service's key-vault and llm-providers).
    await eventually(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/v1/participants`, { headers: operator });
        const body = (await response.json()) as { participants: unknown[] };
        return body.participants.length === 3 ? true : undefined;
      },
      30_000,
      'three participants',
    );

    const response = await fetch(`http://127.0.0.1:${port}/v1/erasure-requests`, {
      method: 'POST',
      headers: { ...operator, 'content-type': 'application/json' },
      body: JSON.stringify({ subjectId: 'sub_crash', reason: 'dsar', regulation: 'GDPR' }),
    });
    expect(response.status).toBe(202);
    const { requestId } = (await response.json()) as { requestId: string };

    await eventually(async () => (taken > 0 ? true : undefined), 30_000, 'the task to reach the participant');
    await killHard(child);
    release(); // the answer lands on the log while the service is down

    child = startService();
    await ready();
    const status = await eventually(
      async () => {
        const answer = await fetch(`http://127.0.0.1:${port}/v1/erasure-requests/${requestId}`, {
          headers: operator,
        });
        const body = (await answer.json()) as { status?: string; result?: string };
        return body.status === 'completed' ? body : undefined;
      },
      60_000,
      'the request to complete after the restart',
    );
    expect(status.result).toBe('complete');

    // Exactly one completion on the log.
    const events = await readAllEvents(kafka, codec, topicName('lethe.erasure.events.v1'));
    const completions = events.filter(
      (e) => isEventOfType(e, 'ErasureCompleted') && e.data.requestId === requestId,
    );
    expect(completions).toHaveLength(1);
  }, 180_000);
});
