// Chaos run (issue 10, point 8): erasure requests sent while a random Lethe service is killed
// with SIGKILL every few seconds and started again, until the last request has completed. Every
// subject must end with exactly one ErasureCompleted and one request, and the audit ledger must
// verify. Prints what it saw and exits 1 if an invariant fails. Needs `./lethe up` (the servers;
// the services run here, as child processes on their own topic prefix and database, never the
// shared ones).
//
//   node --conditions=lethe-source --import tsx bench/chaos.ts [REQUESTS] [KILL_EVERY_MS] [ACCOUNTS]
//
// With --failover (issue 13 point 9; needs `./lethe up --brokers 3`): topics with 3 replicas
// and min.insync.replicas=2, two instances of every service but audit (the ledger's single
// writer), and instead of the random kills one broker (kafka-2) is killed with SIGKILL a third
// of the way in and restarted 10 s later, and one instance of each scalable service is killed
// for good: the other must take over its partitions.
//
//   node --conditions=lethe-source --import tsx bench/chaos.ts 500 0 50 --failover
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { AUDITED_TOPICS, LEDGER_TOPIC, verifyLedger } from '@lethe/audit-ledger';
import { generateSealingKeys } from '@lethe/crypto';
import { isEventOfType, type LetheEvent } from '@lethe/events';
import { generateSigningKeys, publicKeyFrom, type ServiceRequest } from '@lethe/service-kit';

import {
  bearer,
  eventually,
  ensureTestTaskKeys,
  exportServers,
  testTaskKeys,
  freePort,
  killHard,
  openTestScope,
  readAllEvents,
  readyStatus,
  resolveServers,
  serviceUrl,
  testServiceFetch,
  type TestScope,
} from '../test/src/index';

const FAILOVER = process.argv.includes('--failover') || process.argv.includes('--baseline');
/** --baseline: the --failover set-up with nothing killed, to compare its times with. */
const BASELINE = process.argv.includes('--baseline');
/** --scale N (bench/scale-out.ts): N instances of each scalable service on 6 partitions, nothing killed. */
const SCALE = process.argv.includes('--scale')
  ? Number(process.argv[process.argv.indexOf('--scale') + 1])
  : 0;
process.argv = process.argv.filter(
  (arg, i, all) =>
    arg !== '--failover' && arg !== '--baseline' && arg !== '--scale' && all[i - 1] !== '--scale',
);
const REQUESTS = Number(process.argv[2] ?? 1000);
const KILL_EVERY_MS = Number(process.argv[3] ?? 4000);
/** Of the requests, this many delete a real account (the rest ask erasure for other subjects). */
const ACCOUNTS = Math.min(REQUESTS, Number(process.argv[4] ?? 100));
const CONCURRENCY = 16;

const SERVICES = ['account', 'consent', 'retention', 'erasure', 'audit'] as const;
type ServiceName = (typeof SERVICES)[number];
/** Instances of each service: two of each scalable one under --failover; audit writes alone. */
const instancesOf = (service: ServiceName) =>
  service === 'audit' ? 1 : SCALE > 0 ? SCALE : FAILOVER ? 2 : 1;
const REPO = path.resolve(__dirname, '..');
const LETHE_HOME = process.env.LETHE_HOME ?? path.join(REPO, '.lethe');

const auth = generateSigningKeys();
const ledgerKeys = generateSigningKeys();
const sealing = generateSealingKeys();
const operator = bearer(auth.privateKey, ['operator']);
const kek = randomBytes(32).toString('base64');

interface Running {
  port: number;
  child: ChildProcess;
  /** Killed for good (--failover): the other instance carries on alone. */
  gone?: boolean;
}

/** The pid of a server of the local stack (deploy/local keeps `pid start-ticks` per server). */
function stackPid(server: string): number {
  return Number(readFileSync(path.join(LETHE_HOME, 'run', `${server}.pid`), 'utf8').split(' ')[0]);
}

function mainOf(service: ServiceName): string {
  return path.resolve(__dirname, '..', 'services', service, 'src', 'main.ts');
}

function start(scope: TestScope, service: ServiceName, port: number): ChildProcess {
  return scope.spawn(mainOf(service), {
    LETHE_KEK: kek,
    LETHE_AUTH_PUBLIC_KEYS: auth.publicKey,
    LETHE_AUDIT_SIGNING_KEY: ledgerKeys.privateKey,
    LETHE_ACCOUNT_INGEST_PRIVATE_KEY: sealing.privateKey,
    [`LETHE_${service.toUpperCase()}_PORT`]: String(port),
    LETHE_LOG_LEVEL: 'fatal',
    // The topics a service makes itself (task and dead-letter topics) get 3 replicas too: one
    // replica on the broker that is killed would take its partitions offline.
    ...(FAILOVER ? { LETHE_TOPIC_LAYOUT: 'production' } : {}),
  });
}

/**
 * Sends until a service answers below 500 (it may be down, or just restarted). The address is
 * asked again at each attempt: an instance killed for good is not tried twice.
 */
async function untilAnswered(url: () => string, init: ServiceRequest): Promise<Response> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await testServiceFetch()(url(), init).catch(() => undefined);
    if (response && response.status < 500) return response;
    await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** Math.min(attempt, 5))));
  }
}

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function main() {
  exportServers(await resolveServers()); // the running stack's addresses, as the tests find them
  ensureTestTaskKeys(process.env); // the services started here sign and verify tasks with one pair
  const brokers = (process.env.LETHE_KAFKA_BROKERS ?? '').split(',').filter(Boolean).length;
  if (FAILOVER && brokers < 3) throw new Error('--failover needs three brokers: ./lethe up --brokers 3');
  const scope = await openTestScope('chaos', {
    topics: [...AUDITED_TOPICS, 'lethe.erasure.answers.v1', LEDGER_TOPIC],
    partitions: SCALE > 0 ? 6 : 3,
    partitionsOf: { [LEDGER_TOPIC]: 1, 'lethe.erasure.participants.v1': 1 },
    ...(FAILOVER ? { replication: { factor: 3, minInSync: 2 } } : {}),
  });
  const running = new Map<ServiceName, Running[]>();
  for (const service of SERVICES) {
    const instances: Running[] = [];
    for (let i = 0; i < instancesOf(service); i += 1) {
      const port = await freePort();
      instances.push({ port, child: start(scope, service, port) });
    }
    running.set(service, instances);
  }
  // Requests alternate between the instances still running.
  let turn = 0;
  const url = (service: ServiceName, rest: string) => {
    const live = running.get(service)!.filter((instance) => !instance.gone);
    return serviceUrl(live[(turn += 1) % live.length]!.port, rest);
  };
  const everyInstance = () => [...running.values()].flat().filter((instance) => !instance.gone);
  const allReady = () =>
    eventually(
      async () => {
        for (const { port } of everyInstance()) if ((await readyStatus(port)) !== 200) return undefined;
        return true;
      },
      120_000,
      'every service to be ready',
    );
  await allReady();
  const json = { ...operator, 'content-type': 'application/json' };

  // Accounts to delete, opened before the chaos starts.
  const accounts: string[] = [];
  await inBatches(
    Array.from({ length: ACCOUNTS }, (_, i) => i),
    async (i) => {
      const response = await untilAnswered(() => url('account', '/v1/accounts'), {
        method: 'POST',
        headers: { ...json, 'idempotency-key': `chaos-account-${i}` },
        body: JSON.stringify({ email: `chaos${i}@example.com`, name: `Chaos ${i}` }),
      });
      accounts.push(((await response.json()) as { subjectId: string }).subjectId);
    },
  );
  const others = Array.from(
    { length: REQUESTS - ACCOUNTS },
    (_, i) => `sub_chaos${scope.prefix.slice(-6)}${i}`,
  );

  // The chaos: a random service killed and started again, every KILL_EVERY_MS; or, with
  // --failover, one broker and one instance of each scalable service, once.
  let kills = 0;
  let accepted = 0;
  let chaos = true;
  const faults: string[] = [];
  const killer = (async () => {
    if (BASELINE || SCALE > 0) return;
    if (FAILOVER) {
      while (chaos && accepted < REQUESTS / 3) await new Promise((resolve) => setTimeout(resolve, 100));
      process.kill(stackPid('kafka-2'), 'SIGKILL');
      faults.push(`broker kafka-2 killed (SIGKILL) at ${accepted} accepted`);
      for (const instances of running.values()) {
        if (instances.length < 2) continue;
        await killHard(instances[0]!.child);
        instances[0]!.gone = true;
        kills += 1;
      }
      faults.push(`one instance of each scalable service killed for good at ${accepted} accepted`);
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const restarted = spawnSync('bash', [path.join(REPO, 'deploy', 'local', 'stack.sh'), 'up'], {
        encoding: 'utf8',
      });
      faults.push(
        `broker kafka-2 restarted (${restarted.status === 0 ? 'ok' : restarted.stderr}) at ${accepted} accepted`,
      );
      for (const line of faults) console.log(`  ${line}`);
      return;
    }
    while (chaos) {
      await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
      if (!chaos) break;
      const victim = SERVICES[Math.floor(Math.random() * SERVICES.length)]!;
      const target = running.get(victim)![0]!;
      await killHard(target.child);
      kills += 1;
      target.child = start(scope, victim, target.port);
      console.log(`  killed ${victim} (${kills}); ${accepted} of ${REQUESTS} requests accepted`);
    }
  })();

  const startedAt = Date.now();
  const requests = [
    ...accounts.map((subjectId) => ({ subjectId, viaAccount: true })),
    ...others.map((subjectId) => ({ subjectId, viaAccount: false })),
  ].sort(() => Math.random() - 0.5);
  await inBatches(requests, async ({ subjectId, viaAccount }) => {
    if (viaAccount)
      await untilAnswered(() => url('account', `/v1/accounts/${subjectId}`), {
        method: 'DELETE',
        headers: operator,
      });
    else
      await untilAnswered(() => url('erasure', '/v1/erasure-requests'), {
        method: 'POST',
        headers: { ...json, 'idempotency-key': `chaos-erase-${subjectId}` },
        body: JSON.stringify({ subjectId, reason: 'dsar', regulation: 'GDPR' }),
      });
    accepted += 1;
  });
  const acceptedAfterMs = Date.now() - startedAt;

  // Every subject completed: read the erasure log until it says so.
  const erasureLog = scope.topicName('lethe.erasure.events.v1');
  const subjects = new Set(requests.map((r) => r.subjectId));
  const completedSubjects = (events: LetheEvent[]) =>
    new Set(
      events.filter((e) => isEventOfType(e, 'ErasureCompleted')).map((e) => e.envelope.subjectId ?? ''),
    );
  // Read every few seconds, not in a tight loop: each read replays the whole log.
  const events = await eventually(
    async () => {
      const read = await readAllEvents(scope.kafka, scope.codec, erasureLog);
      const done = completedSubjects(read);
      console.log(`  ${[...subjects].filter((s) => done.has(s)).length} of ${subjects.size} completed`);
      return [...subjects].every((s) => done.has(s)) ? read : undefined;
    },
    15 * 60_000,
    `all ${subjects.size} requests to complete`,
    SCALE > 0 ? 1_000 : 5_000, // measuring a rate: a finer reading of when the last completed
  );
  const completedAfterMs = Date.now() - startedAt;
  // The kills go on until the last request completed; the ledger is checked with all services up.
  chaos = false;
  await killer;
  await allReady();

  const completions = new Map<string, Set<string>>();
  const requestIds = new Map<string, Set<string>>();
  for (const event of events) {
    const subjectId = event.envelope.subjectId ?? '';
    if (isEventOfType(event, 'ErasureCompleted'))
      completions.set(subjectId, (completions.get(subjectId) ?? new Set()).add(event.envelope.eventId));
    if (isEventOfType(event, 'ErasureRequested'))
      requestIds.set(subjectId, (requestIds.get(subjectId) ?? new Set()).add(event.data.requestId));
  }
  const twice = [...subjects].filter((s) => (completions.get(s)?.size ?? 0) !== 1);
  const twoRequests = [...subjects].filter((s) => (requestIds.get(s)?.size ?? 0) !== 1);

  // The ledger has caught up once it holds an entry for every audited record.
  let audited = 0;
  for (const logical of AUDITED_TOPICS)
    for (const p of await scope.admin.endOffsets(scope.topicName(logical))) audited += p.high - p.low;
  const verify = () =>
    verifyLedger({
      kafka: scope.kafka,
      codec: scope.codec,
      publicKey: publicKeyFrom(ledgerKeys.publicKey),
      topicName: scope.topicName,
      taskPublicKeys: testTaskKeys().publicKeys,
    });
  const report = await eventually(
    async () => {
      const result = await verify();
      return result.ledger.entries >= audited && result.ok ? result : undefined;
    },
    5 * 60_000,
    'the ledger to catch up and verify',
    10_000,
  ).catch(verify);
  console.log(
    [
      SCALE > 0
        ? `scale: ${REQUESTS} erasure requests (${ACCOUNTS} account deletions), ${SCALE} instance(s) of each scalable service on 6 partitions, nothing killed`
        : FAILOVER
          ? `${BASELINE ? 'baseline' : 'failover'}: ${REQUESTS} erasure requests (${ACCOUNTS} account deletions) on 3 brokers, two instances per scalable service; ${faults.join('; ')}`
          : `chaos: ${REQUESTS} erasure requests (${ACCOUNTS} account deletions), a service killed every ${KILL_EVERY_MS} ms`,
      `kills: ${kills}; all accepted after ${(acceptedAfterMs / 1000).toFixed(1)} s, all completed after ${(completedAfterMs / 1000).toFixed(1)} s (${(REQUESTS / (completedAfterMs / 1000)).toFixed(1)} erasures/s)`,
      `subjects without exactly one ErasureCompleted: ${twice.length}; with more than one request: ${twoRequests.length}`,
      `audit verify: ${report.ok ? 'PASS' : 'FAIL'}, ${report.ledger.entries} entries, ${report.problems.length} problems`,
      ...report.problems.slice(0, 10).map((p) => `  ${p.kind} ${p.position}: ${p.detail}`),
    ].join('\n'),
  );
  for (const { child } of [...running.values()].flat()) await killHard(child);
  await scope.close();
  process.exit(twice.length === 0 && twoRequests.length === 0 && report.ok ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
