import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { AUDITED_TOPICS, LEDGER_TOPIC, verifyLedger } from '@lethe/audit-ledger';
import type { KafkaAdmin, KafkaClient } from '@lethe/kafka';
import type { Db } from 'mongodb';

import {
  createEventCodec,
  createSchemaRegistry,
  loadCatalog,
  makeEvent,
  type EventCodec,
} from '@lethe/events';
import { generateSigningKeys, publicKeyFrom, topicNamer } from '@lethe/service-kit';
import {
  createPrefixedTopics,
  eventually,
  freePort,
  killHard,
  spawnLetheProcess,
  testDatabase,
  testKafka,
  testServers,
  uniqueName,
} from '@lethe/test-harness';

// kill -9 the audit service in the middle of a stream of events, start it again: the chain has
// every event exactly once, no gap and no duplicate, and verifies from offset 0.

const MAIN = path.resolve(__dirname, 'main.ts');
const EVENTS = 3000;
const ledgerKeys = generateSigningKeys();

describe('the audit service under kill -9', () => {
  const prefix = uniqueName('auditcrash');
  const topicName = topicNamer(prefix);
  let db: Db;
  let drop: () => Promise<void>;
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let codec: EventCodec;
  let port: number;
  let child: ChildProcess | undefined;

  const start = () => {
    return spawnLetheProcess(MAIN, db.databaseName, {
      LETHE_KEK: randomBytes(32).toString('base64'),
      LETHE_AUTH_PUBLIC_KEYS: generateSigningKeys().publicKey,
      LETHE_AUDIT_SIGNING_KEY: ledgerKeys.privateKey,
      LETHE_AUDIT_CHECKPOINT_EVERY: '250',
      LETHE_AUDIT_CHECKPOINT_IDLE_MS: '0', // the count below is of the every-250 checkpoints
      LETHE_AUDIT_PORT: String(port),
      LETHE_TOPIC_PREFIX: prefix,
      LETHE_LOG_LEVEL: 'warn',
    });
  };
  const entries = async () => {
    let count = 0;
    await kafka.readTopic(topicName(LEDGER_TOPIC), async () => void (count += 1), { transactional: true });
    return count;
  };

  beforeAll(async () => {
    ({ db, drop } = await testDatabase('auditcrash'));
    kafka = await testKafka();
    admin = kafka.admin;
    await createPrefixedTopics(admin, topicName, AUDITED_TOPICS, 3);
    await createPrefixedTopics(admin, topicName, [LEDGER_TOPIC], 1);
    codec = createEventCodec({
      registry: createSchemaRegistry(testServers().registryUrl),
      catalog: loadCatalog(),
    });
    port = await freePort();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await kafka.close();
    await drop();
  });

  it('keeps one entry per event, with no gap, across a crash', async () => {
    const producer = kafka.eventProducer(codec, topicName);
    const batch = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        event: makeEvent(
          'AccountActivityRecorded',
          {
            subjectId: `sub_${(from + i) % 97}`,
            correlationId: 'c',
            producer: 'test',
            occurredAt: Date.now(),
          },
          { day: '2026-11-27', channel: `n${from + i}` },
        ),
      }));
    for (let i = 0; i < EVENTS / 2; i += 500) await producer.publish(batch(i, 500));

    child = start();
    await eventually(async () => ((await entries()) > 50 ? true : undefined), 60_000, 'the ledger to start');
    // More events arrive while it works; it dies in the middle of them.
    const more = (async () => {
      for (let i = EVENTS / 2; i < EVENTS; i += 250) await producer.publish(batch(i, 250));
    })();
    await killHard(child);
    await more;
    const beforeRestart = await entries();

    child = start();
    const report = await eventually(
      async () => {
        const result = await verifyLedger({
          kafka,
          codec,
          publicKey: publicKeyFrom(ledgerKeys.publicKey),
          topicName,
        });
        return result.ledger.entries >= EVENTS ? result : undefined;
      },
      120_000,
      'every event in the ledger',
    );
    expect(report.problems).toEqual([]);
    expect(report.ledger).toMatchObject({ entries: EVENTS, lastSeq: EVENTS });
    expect(report.ledger.checkpoints).toBe(EVENTS / 250);
    expect(beforeRestart).toBeLessThan(EVENTS + EVENTS / 250); // it really was interrupted
  }, 240_000);
});
