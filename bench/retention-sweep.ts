// A retention sweep: SUBJECTS accounts expire at the same moment (the clock jumps past the
// policy's 730 days). Measures the time from the jump to the last ErasureCompleted, and the
// rates of expiries and erasures. In-process retention + erasure services (with the built-in
// key-vault and llm-providers participants) on the local stack. Prints numbers; asserts nothing.
//
//   node --conditions=lethe-source --import tsx bench/retention-sweep.ts [SUBJECTS]
import { randomBytes } from 'node:crypto';

import { MongoClient } from 'mongodb';

import { localKek } from '@lethe/crypto';
import { startErasureService } from '@lethe/erasure';
import { createEventCodec, createSchemaRegistry, isEventOfType, loadCatalog, makeEvent } from '@lethe/events';

import { connectKafka } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';
import { loadPolicy, startRetentionService } from '@lethe/retention';
import { generateSigningKeys, publicKeyFrom, topicNamer } from '@lethe/service-kit';

import { removeBenchData } from './cleanup';
import { testTaskKeys } from '../test/src/task-keys';
import { benchKafka, benchServers, rawKafka } from './servers';
import { recordFigures } from './summary';
import { timeMongoCommands } from './mongo-timing';

const SUBJECTS = Number(process.argv[2] ?? 1000);
const DAY_MS = 86_400_000;
const prefix = `bench-sweep-${Date.now().toString(36)}`;
const topicName = topicNamer(prefix);

async function main() {
  const logger = createLogger({ name: 'bench', level: 'silent' });
  // `raw` is the client library itself, for the floors and the watchers; Lethe uses the port.
  const raw = await rawKafka(prefix);
  const kafka = await connectKafka({ ...(await benchKafka()), clientId: prefix }, logger);
  const admin = kafka.admin;
  const logical = [
    'lethe.account.events.v1',
    'lethe.consent.events.v1',
    'lethe.access.events.v1',
    'lethe.retention.events.v1',
    'lethe.erasure.events.v1',
    'lethe.erasure.answers.v1',
    'lethe.erasure.participants.v1',
  ];
  await admin.applyTopics(
    logical.map((name) => ({
      name: topicName(name),
      partitions: name.includes('participants') ? 1 : 3,
      replicationFactor: 1,
      config: {},
      purpose: 'bench',
    })),
  );
  const mongo = await MongoClient.connect((await benchServers()).mongoUrl, { monitorCommands: true });
  const timing = timeMongoCommands(mongo);
  const db = mongo.db(prefix.replace(/-/g, '_'));
  const codec = createEventCodec({
    registry: createSchemaRegistry((await benchServers()).registryUrl, {
      caFile: (await benchServers()).security.LETHE_TLS_CA_FILE,
    }),
    catalog: loadCatalog(),
  });
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset) };
  const keys = generateSigningKeys();
  const kek = localKek(randomBytes(32).toString('base64'));
  const common = { db, kafka, codec, logger, kek, publicKeys: [publicKeyFrom(keys.publicKey)], topicName };
  const erasure = await startErasureService({
    taskSigningKey: testTaskKeys().signingKey,
    ...common,
    now: clock.now,
  });
  const retention = await startRetentionService({ ...common, policy: loadPolicy(), clock });
  while (erasure.directory.list().length < 2) await new Promise((resolve) => setTimeout(resolve, 50));

  // Watch the logs: clocks started, expiries, completions.
  let started = 0;
  let expired = 0;
  const completedAt: number[] = [];
  const watcher = raw.consumer({ groupId: `${prefix}-watch`, maxWaitTimeInMs: 100 });
  await watcher.connect();
  await watcher.subscribe({
    topics: [topicName('lethe.retention.events.v1'), topicName('lethe.erasure.events.v1')],
    fromBeginning: true,
  });
  await watcher.run({
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ message }) => {
      const { event } = await codec.decode(message.value!);
      if (isEventOfType(event, 'RetentionClockStarted')) started += 1;
      else if (isEventOfType(event, 'RetentionExpired')) expired += 1;
      else if (isEventOfType(event, 'ErasureCompleted')) completedAt.push(performance.now());
    },
  });

  const producer = kafka.eventProducer(codec, topicName);
  const created = Date.now();
  for (let i = 0; i < SUBJECTS; i += 500)
    await producer.publish(
      Array.from({ length: Math.min(500, SUBJECTS - i) }, (_, n) => ({
        event: makeEvent(
          'AccountCreated',
          {
            subjectId: `sub_${prefix.replace(/-/g, '')}_${i + n}`,
            correlationId: 'bench',
            producer: 'account',
            occurredAt: created,
          },
          { email: randomBytes(16), name: randomBytes(16), phone: null, timezone: null, source: 'http' },
        ),
      })),
    );
  const startClocks = performance.now();
  while (started < SUBJECTS) await new Promise((resolve) => setTimeout(resolve, 100));
  console.log(
    `${SUBJECTS} retention clocks started in ${((performance.now() - startClocks) / 1000).toFixed(1)} s`,
  );

  offset = 731 * DAY_MS; // two years pass at once
  const jump = performance.now();
  let peakRss = process.memoryUsage().rss;
  const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 1_000);
  await retention.sweep();
  const swept = performance.now();
  while (completedAt.length < SUBJECTS) await new Promise((resolve) => setTimeout(resolve, 100));
  clearInterval(rssSampler);
  const last = completedAt.reduce((latest, at) => Math.max(latest, at), 0);
  // The timeline: erasures completed in each minute after the jump.
  const perMinute: number[] = [];
  for (const at of completedAt) {
    const minute = Math.floor((at - jump) / 60_000);
    perMinute[minute] = (perMinute[minute] ?? 0) + 1;
  }
  console.log(
    `sweep: ${expired} expiries decided in ${((swept - jump) / 1000).toFixed(1)} s (${(SUBJECTS / ((swept - jump) / 1000)).toFixed(0)}/s)`,
  );
  console.log(
    `jump -> last ErasureCompleted: ${((last - jump) / 1000).toFixed(1)} s, ${(SUBJECTS / ((last - jump) / 1000)).toFixed(1)} erasures/s`,
  );
  console.log(
    `erasures completed per minute after the jump: ${Array.from(perMinute, (count = 0, minute) => `${minute + 1}: ${count}`).join(', ')}`,
  );
  console.log(`bench process peak RSS during the sweep: ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  for (const line of timing.report(10)) console.log(line);
  const erasureRate = SUBJECTS / ((last - jump) / 1000);
  const hundredThousandMinutes = 100_000 / erasureRate / 60;
  recordFigures('retention-sweep', [
    {
      what: `retention sweep of ${SUBJECTS} subjects, the clock's jump to the last ErasureCompleted`,
      value: `${erasureRate.toFixed(1)} erasures/s (100,000 subjects at this rate: ${hundredThousandMinutes.toFixed(0)} min)`,
      rate: erasureRate,
      target: '100,000 subjects in <= 15 min (>= 111 erasures/s)',
      met: hundredThousandMinutes <= 15,
    },
  ]);
  console.log(
    `bench process RSS (retention + erasure services + driver): ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );

  await watcher.disconnect();
  await retention.stop();
  await erasure.stop();
  await removeBenchData({ db, mongo, kafka }, prefix);
}

void main();
