// Erasure latency and throughput on the local stack, with the raw kafkajs round trip on the same
// broker as the floor. Prints numbers; asserts nothing. Needs `./lethe up` (the servers).
//
//   node --conditions=lethe-source --import tsx bench/erasure-latency.ts [SUBJECTS] [RECORDS]
import { randomBytes } from 'node:crypto';

import { MongoClient } from 'mongodb';

import { localKek } from '@lethe/crypto';
import { createEventCodec, createSchemaRegistry, isEventOfType, loadCatalog } from '@lethe/events';

import { connectKafka } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';
import { joinErasureProtocol } from '@lethe/participant';
import { generateSigningKeys, publicKeyFrom } from '@lethe/service-kit';
import { startErasureService } from '@lethe/erasure';

import { bearer } from '../test/src/auth';
import { removeBenchData } from './cleanup';
import { RequestSteps } from './request-steps';
import { testTaskKeys } from '../test/src/task-keys';
import { benchKafka, benchServers, rawKafka } from './servers';
import { timeMongoCommands } from './mongo-timing';
import { recordFigures } from './summary';

const SUBJECTS = Number(process.argv[2] ?? 40);
const RECORDS = Number(process.argv[3] ?? 1000);
const prefix = `bench-${Date.now().toString(36)}`;
const topicName = (logical: string) => `${prefix}.${logical}`;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main() {
  const logger = createLogger({ name: 'bench', level: 'silent' });
  // `raw` is the client library itself, for the floors and the watchers; Lethe uses the port.
  const raw = await rawKafka(prefix);
  const kafka = await connectKafka({ ...(await benchKafka()), clientId: prefix }, logger);
  const admin = kafka.admin;
  await admin.applyTopics(
    [
      'lethe.account.events.v1',
      'lethe.erasure.events.v1',
      'lethe.erasure.answers.v1',
      'lethe.retention.events.v1',
      'lethe.consent.events.v1',
      'lethe.access.events.v1',
      'lethe.erasure.participants.v1',
      'floor',
    ].map((logical) => ({
      name: topicName(logical),
      partitions: logical.includes('participants') ? 1 : 3,
      replicationFactor: 1,
      config: {},
      purpose: 'bench',
    })),
  );

  // The floor: one record produced and consumed, round trip, on the same broker.
  const floorProducer = raw.producer({ idempotent: true, maxInFlightRequests: 1 });
  await floorProducer.connect();
  const floorConsumer = raw.consumer({ groupId: `${prefix}-floor`, maxWaitTimeInMs: 100 });
  await floorConsumer.connect();
  await floorConsumer.subscribe({ topics: [topicName('floor')], fromBeginning: false });
  const waiting = new Map<string, () => void>();
  await floorConsumer.run({ eachMessage: async ({ message }) => waiting.get(message.key!.toString())?.() });
  await new Promise((resolve) => setTimeout(resolve, 2000)); // let the group settle
  const floor: number[] = [];
  for (let i = 0; i < 100; i += 1) {
    const key = `k${i}`;
    const seen = new Promise<void>((resolve) => waiting.set(key, resolve));
    const start = performance.now();
    await floorProducer.send({ topic: topicName('floor'), acks: -1, messages: [{ key, value: 'x' }] });
    await seen;
    floor.push(performance.now() - start);
  }
  await floorConsumer.disconnect();
  await floorProducer.disconnect();

  // Every MongoDB command is timed: the table at the end says where the server's time went.
  const mongo = await MongoClient.connect((await benchServers()).mongoUrl, { monitorCommands: true });
  const timing = timeMongoCommands(mongo);
  const db = mongo.db(prefix.replace(/-/g, '_'));
  const codec = createEventCodec({
    registry: createSchemaRegistry((await benchServers()).registryUrl, {
      caFile: (await benchServers()).security.LETHE_TLS_CA_FILE,
    }),
    catalog: loadCatalog(),
  });
  const records = db.collection<{ subjectId: string; n: number }>('records');
  const subjects = Array.from({ length: SUBJECTS * 2 }, (_, i) => `sub_bench_${i}`);
  for (const subjectId of subjects) {
    await records.insertMany(Array.from({ length: RECORDS }, (_, n) => ({ subjectId, n })));
  }
  await records.createIndex({ subjectId: 1 });

  const participant = await joinErasureProtocol({
    taskPublicKeys: testTaskKeys().publicKeys,
    kafka,
    codec,
    logger,
    topicName,
    declaration: {
      participantId: 'records',
      stores: ['mongodb:records'],
      categories: ['account'],
      phase: 1,
      timeoutMs: 60_000,
    },
    erase: async ({ subjectId }) => {
      const { deletedCount } = await records.deleteMany({ subjectId });
      const remaining = await records.countDocuments({ subjectId });
      return {
        outcome: 'erased',
        counts: { 'mongodb:records': deletedCount },
        verifiedEmpty: remaining === 0,
        evidence: { remaining },
      };
    },
  });
  const keys = generateSigningKeys();
  const erasure = await startErasureService({
    taskSigningKey: testTaskKeys().signingKey,
    db,
    kafka,
    codec,
    kek: localKek(randomBytes(32).toString('base64')),
    logger,
    publicKeys: [publicKeyFrom(keys.publicKey)],
    topicName,
  });
  while (erasure.directory.list().length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
  const token = bearer(keys.privateKey, ['operator']).authorization;

  const completedAt = new Map<string, number>();
  const steps = new RequestSteps();
  const watcher = raw.consumer({ groupId: `${prefix}-watch`, maxWaitTimeInMs: 100 });
  await watcher.connect();
  await watcher.subscribe({ topics: [topicName('lethe.erasure.events.v1')], fromBeginning: true });
  await watcher.run({
    eachMessage: async ({ message }) => {
      const { event } = await codec.decode(message.value!);
      steps.saw(event, performance.now());
      if (isEventOfType(event, 'ErasureCompleted') && !completedAt.has(event.data.requestId))
        completedAt.set(event.data.requestId, performance.now());
    },
  });

  async function request(subjectId: string): Promise<{ requestId: string; start: number }> {
    const start = performance.now();
    const response = await erasure.app.inject({
      method: 'POST',
      url: '/v1/erasure-requests',
      headers: { authorization: token },
      payload: { subjectId, reason: 'dsar' },
    });
    const { requestId } = response.json<{ requestId: string }>();
    steps.mark(requestId, 'POST answered (202)', performance.now());
    return { requestId, start };
  }
  async function done(requestId: string) {
    while (!completedAt.has(requestId)) await new Promise((resolve) => setTimeout(resolve, 2));
    return completedAt.get(requestId)!;
  }

  // Latency: one request at a time.
  const commandsBefore = timing.count();
  const latencies: number[] = [];
  const sequential: { requestId: string; start: number }[] = [];
  for (const subjectId of subjects.slice(0, SUBJECTS)) {
    const { requestId, start } = await request(subjectId);
    latencies.push((await done(requestId)) - start);
    sequential.push({ requestId, start });
  }

  // Throughput: all the other requests at once.
  const burstStart = performance.now();
  const burst = await Promise.all(subjects.slice(SUBJECTS).map(request));
  const ends = await Promise.all(burst.map(({ requestId }) => done(requestId)));
  const seconds = (Math.max(...ends) - burstStart) / 1000;

  console.log(
    `kafkajs produce->consume round trip (floor), 100 sequential: p50 ${ms(percentile(floor, 50))}, p99 ${ms(percentile(floor, 99))}`,
  );
  console.log(
    `erasure request -> ErasureCompleted, ${SUBJECTS} sequential, ${RECORDS} records each + key vault + llm: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}`,
  );
  console.log(
    `burst of ${SUBJECTS} concurrent requests: ${(SUBJECTS / seconds).toFixed(1)} erasures/s (${seconds.toFixed(2)} s to the last completion)`,
  );
  console.log(
    'where the time of a sequential request goes (median ms from the POST to each step, as a watcher saw it):',
  );
  for (const line of steps.timeline(sequential)) console.log(`  ${line}`);
  const commandsPerErasure = (timing.count() - commandsBefore) / (SUBJECTS * 2);
  console.log(
    `MongoDB commands per erasure (service, participants and key vault): ${commandsPerErasure.toFixed(1)}`,
  );
  for (const line of timing.report(12)) console.log(line);
  const floorP50 = percentile(floor, 50);
  // The targets: 10 records per subject, and 1,000.
  const target = RECORDS >= 1000 ? { p50: 250, p99: 1000 } : { p50: 100, p99: 300 };
  const [p50, p99] = [percentile(latencies, 50), percentile(latencies, 99)];
  const burstRate = SUBJECTS / seconds;
  recordFigures('erasure-latency', [
    {
      what: `erasure request to ErasureCompleted, ${SUBJECTS} sequential, ${RECORDS} records each`,
      value: `p50 ${ms(p50)}, p99 ${ms(p99)}`,
      floor: `kafkajs produce-consume round trip p50 ${ms(floorP50)}`,
      ratio: `p50 ${(p50 / floorP50).toFixed(1)}x the floor`,
      target: `p50 <= ${target.p50} ms, p99 <= ${target.p99} ms`,
      met: p50 <= target.p50 && p99 <= target.p99,
    },
    {
      what: `burst of ${SUBJECTS} concurrent erasure requests, ${RECORDS} records each`,
      value: `${burstRate.toFixed(1)} erasures/s`,
      rate: burstRate,
      target: '>= 200 erasures/s (stretch 500)',
      met: burstRate >= 200,
    },
  ]);
  console.log(
    `bench process RSS (erasure service + participant + this driver, in one process): ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );

  await watcher.disconnect();
  await erasure.stop();
  await participant.stop();
  await removeBenchData({ db, mongo, kafka }, prefix);
}

void main();
