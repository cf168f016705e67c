// Replay-and-verify rate of `lethe audit verify` against the raw kafkajs consume rate on the same
// topics, on the local stack. EVENTS events go to the account log, the audit service ledgers
// them, then both readers go through everything from offset 0. Prints numbers; asserts nothing.
//
//   node --conditions=lethe-source --import tsx bench/audit-verify.ts [EVENTS]
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

import { MongoClient } from 'mongodb';

import { startAuditService } from '@lethe/audit';
import { AUDITED_TOPICS, LEDGER_TOPIC, verifyLedger } from '@lethe/audit-ledger';
import { createEventCodec, createSchemaRegistry, loadCatalog, makeEvent } from '@lethe/events';

import { connectKafka } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';
import { generateSigningKeys, privateKeyFrom, publicKeyFrom, topicNamer } from '@lethe/service-kit';
import { removeBenchData } from './cleanup';
import { benchKafka, benchServers, rawKafka } from './servers';
import { count, recordFigures } from './summary';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const prefix = `bench-audit-${Date.now().toString(36)}`;
const topicName = topicNamer(prefix);
/** +12 MiB or -49 MiB: the heap may end smaller than it began (a collection ran meanwhile). */
const signedMiB = (mib: number) => `${mib >= 0 ? '+' : ''}${mib.toFixed(0)} MiB`;
const seconds = (from: number) => (performance.now() - from) / 1000;

async function main() {
  const logger = createLogger({ name: 'bench', level: 'silent' });
  // `raw` is the client library itself, for the floors and the watchers; Lethe uses the port.
  const raw = await rawKafka(prefix);
  const kafka = await connectKafka({ ...(await benchKafka()), clientId: prefix }, logger);
  const admin = kafka.admin;
  await admin.applyTopics([
    ...AUDITED_TOPICS.map((name) => ({
      name: topicName(name),
      partitions: 3,
      replicationFactor: 1,
      config: {},
      purpose: 'bench',
    })),
    { name: topicName(LEDGER_TOPIC), partitions: 1, replicationFactor: 1, config: {}, purpose: 'bench' },
  ]);
  const codec = createEventCodec({
    registry: createSchemaRegistry((await benchServers()).registryUrl, {
      caFile: (await benchServers()).security.LETHE_TLS_CA_FILE,
    }),
    catalog: loadCatalog(),
  });

  const producer = raw.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const produceStart = performance.now();
  for (let i = 0; i < EVENTS; i += 2000) {
    const messages = await Promise.all(
      Array.from({ length: Math.min(2000, EVENTS - i) }, async (_, n) => {
        const subjectId = `sub_${(i + n) % 5000}`;
        const value = await codec.encode(
          makeEvent(
            'AccountActivityRecorded',
            {
              eventId: randomUUID(),
              subjectId,
              correlationId: 'bench',
              producer: 'bench',
              occurredAt: Date.now(),
            },
            { day: '2026-11-27', channel: 'bench' },
          ),
        );
        return { key: subjectId, value };
      }),
    );
    await producer.send({ topic: topicName('lethe.account.events.v1'), acks: -1, messages });
  }
  await producer.disconnect();
  console.log(`produced ${EVENTS} events in ${seconds(produceStart).toFixed(1)} s`);

  const mongo = await MongoClient.connect((await benchServers()).mongoUrl);
  const db = mongo.db(prefix.replace(/-/g, '_'));
  const ledgerKeys = generateSigningKeys();
  const ledgerStart = performance.now();
  const startAudit = () =>
    startAuditService({
      db,
      kafka,
      codec,
      logger,
      publicKeys: [publicKeyFrom(generateSigningKeys().publicKey)],
      signingKey: privateKeyFrom(ledgerKeys.privateKey),
      checkpointEvery: 1000,
      checkpointIdleMs: 0,
      topicName,
    });
  const audit = await startAudit();
  while ((audit.writer.head()?.seq ?? 0) < EVENTS) await new Promise((resolve) => setTimeout(resolve, 200));
  const ledgerSeconds = seconds(ledgerStart);
  await audit.stop();
  console.log(
    `audit service ledgered ${EVENTS} events in ${ledgerSeconds.toFixed(1)} s: ${(EVENTS / ledgerSeconds).toFixed(0)} entries/s`,
  );

  // Start-up: a new writer reads the ledger back to recover the chain's head, its Merkle frontier
  // and the dedupe window, before it takes a record. Time and the heap it then holds.
  const heapBefore = process.memoryUsage().heapUsed;
  const restartStart = performance.now();
  const restarted = await startAudit();
  while ((restarted.writer.head()?.seq ?? 0) < EVENTS)
    await new Promise((resolve) => setTimeout(resolve, 50));
  const restartSeconds = seconds(restartStart);
  const heapGrowth = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const rss = process.memoryUsage().rss / 2 ** 20;
  await restarted.stop();
  console.log(
    `audit writer start-up over ${EVENTS} ledgered events: head recovered in ${restartSeconds.toFixed(1)} s; heap ${signedMiB(heapGrowth)}, bench process RSS ${rss.toFixed(0)} MiB`,
  );

  // The floor: kafkajs reading the same topics (the events and the ledger) and doing nothing.
  const topics = [topicName('lethe.account.events.v1'), topicName(LEDGER_TOPIC)];
  const expected = EVENTS + EVENTS + Math.floor(EVENTS / 1000); // events, entries, checkpoints
  let consumed = 0;
  const consumer = raw.consumer({
    groupId: `${prefix}-raw`,
    maxWaitTimeInMs: 100,
    readUncommitted: false,
    maxBytes: 10 * 2 ** 20,
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const rawStart = performance.now();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => void (consumed += batch.messages.length),
  });
  while (consumed < expected) await new Promise((resolve) => setTimeout(resolve, 20));
  const rawSeconds = seconds(rawStart);
  await consumer.disconnect();
  console.log(
    `raw kafkajs consume of the same ${consumed} records: ${rawSeconds.toFixed(1)} s, ${(consumed / rawSeconds).toFixed(0)} records/s`,
  );

  // BENCH_PROFILE=file.cpuprofile: a CPU profile of the verification alone.
  const profiler = process.env.BENCH_PROFILE ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await new Promise((resolve) =>
      profiler.post('Profiler.enable', () => profiler.post('Profiler.start', resolve)),
    );
  }
  const verifyStart = performance.now();
  const report = await verifyLedger({
    kafka,
    codec,
    publicKey: publicKeyFrom(ledgerKeys.publicKey),
    topicName,
  });
  const verifySeconds = seconds(verifyStart);
  console.log(
    `verifyLedger: ${report.records} records in ${verifySeconds.toFixed(1)} s, ${(report.records / verifySeconds).toFixed(0)} records/s ` +
      `(${((report.records / verifySeconds / (consumed / rawSeconds)) * 100).toFixed(0)}% of raw); ok=${report.ok}, problems ${report.problems.length}`,
  );
  const verifyRate = report.records / verifySeconds;
  const rawRate = consumed / rawSeconds;
  recordFigures('audit-verify', [
    {
      what: `audit writer start-up over ${count(EVENTS)} ledgered events (reads the ledger back)`,
      value: `${restartSeconds.toFixed(1)} s, heap ${signedMiB(heapGrowth)}`,
      target: 'bounded memory whatever the history; time measured',
      met: heapGrowth <= 200,
    },
    {
      what: `audit verify (lethe audit verify's verifyLedger), ${count(report.records)} records`,
      value: `${count(verifyRate)} records/s`,
      floor: `raw kafkajs consume of the same topics: ${count(rawRate)} records/s`,
      ratio: `${((verifyRate / rawRate) * 100).toFixed(0)}%`,
      target: '>= 50% of raw and >= 50,000 records/s',
      met: verifyRate >= rawRate / 2 && verifyRate >= 50_000,
    },
  ]);
  if (profiler)
    await new Promise<void>((resolve) =>
      profiler.post('Profiler.stop', (_error, { profile }) => {
        writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(profile));
        resolve();
      }),
    );
  console.log(`bench process RSS: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

  await removeBenchData({ db, mongo, kafka }, prefix);
}

void main();
