// Consent checks per second and their latency against the running consent service (./lethe up),
// beside their floor: a bare Fastify route on the same TLS doing the one Redis HMGET the check
// needs, under the same load from wrk (GET /v1/subjects/:id/consents/:purpose over keep-alive
// HTTPS, CONNECTIONS at once). Prints numbers and the ratio; asserts nothing.
//
//   node --conditions=lethe-source --import tsx bench/consent-checks.ts [SECONDS] [CONNECTIONS] [ROUNDS]
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

import { consentKey } from '@lethe/consent';
import { redisTlsOptions, serviceFetch } from '@lethe/service-kit';

import {
  compareWithFloor,
  memoryFigure,
  roundSharesLine,
  serviceRssMiB,
  serviceToken,
  startFloor,
  wrkLine,
  type FloorComparison,
} from './http-floor';
import { benchServers } from './servers';
import { count, recordFigures } from './summary';
import { requireWrk, type WrkResult } from './wrk';

const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = Number(process.argv[3] ?? 32);
const ROUNDS = Number(process.argv[4] ?? 3);
const BASE = process.env.LETHE_CONSENT_URL ?? 'https://127.0.0.1:3002';
const SUBJECTS = 100;
/** The targets: at least this share of the floor's rate, and a p99 no worse than its. */
const TARGET_SHARE = 0.85;

/** The floor: one HMGET of the same hash the consent service reads, and nothing else. */
async function startConsentFloor(): Promise<{ url: string; close: () => Promise<void> }> {
  const redis = new Redis(process.env.LETHE_REDIS_URL!, redisTlsOptions(process.env));
  const floor = await startFloor((app) =>
    app.get<{ Params: { subjectId: string; purpose: string } }>(
      '/v1/subjects/:subjectId/consents/:purpose',
      async (request) => {
        const [value] = await redis.hmget(consentKey(request.params.subjectId), request.params.purpose);
        return { purpose: request.params.purpose, granted: value === '1' };
      },
    ),
  );
  return {
    url: floor.url,
    close: async () => {
      await floor.close();
      redis.disconnect();
    },
  };
}

const line = (what: string, result: WrkResult) => wrkLine(what, result, { rate: 0, ms: 2 });

async function main() {
  requireWrk();
  await benchServers();
  const token = serviceToken();
  const fetch = serviceFetch(process.env.LETHE_TLS_CA_FILE ?? '.lethe/tls/ca.crt');
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const textHash = `sha256:${createHash('sha256').update('bench').digest('hex')}`;
  const subjects = Array.from({ length: SUBJECTS }, (_, i) => `sub_bench_consent_${i}`);
  for (const [i, subjectId] of subjects.entries()) {
    await fetch(`${BASE}/v1/subjects/${subjectId}/consents/analytics`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ granted: i % 2 === 0, source: 'bench', policyVersion: 'bench', textHash }),
    });
  }
  const load = {
    paths: subjects.map((subjectId) => `/v1/subjects/${subjectId}/consents/analytics`),
    headers: { Authorization: `Bearer ${token}` },
    connections: CONNECTIONS,
    seconds: SECONDS,
  };

  const floor = await startConsentFloor();
  let compared: FloorComparison;
  try {
    compared = await compareWithFloor(BASE, floor.url, load, ROUNDS);
  } finally {
    await floor.close();
  }
  const { service: consent, floor: bare, share } = compared;
  console.log(
    `consent checks, wrk with ${CONNECTIONS} connections for ${SECONDS} s each, service and floor in turn ${ROUNDS} times (medians):`,
  );
  console.log(`  ${line('consent service', consent)}`);
  console.log(`  ${line('floor (bare Fastify + one HMGET)', bare)}`);
  console.log(
    `  ratio: ${(share * 100).toFixed(0)}% of the floor's rate (target >= ${TARGET_SHARE * 100}%: ${share >= TARGET_SHARE ? 'met' : 'not met'}); ` +
      `p99 ${consent.p99Ms.toFixed(2)} ms against the floor's ${bare.p99Ms.toFixed(2)} ms (target <=: ${consent.p99Ms <= bare.p99Ms ? 'met' : 'not met'})`,
  );
  console.log(`  each round's ratio: ${roundSharesLine(compared)}`);
  const memory = memoryFigure('consent', serviceRssMiB('consent'));
  console.log(`  consent service RSS after the run: ${memory.value}`);
  recordFigures('consent-checks', [
    {
      what: `consent checks per second, wrk ${CONNECTIONS} connections`,
      value: `${count(consent.requestsPerSecond)}/s, p99 ${consent.p99Ms.toFixed(1)} ms`,
      floor: `bare Fastify + one HMGET: ${count(bare.requestsPerSecond)}/s, p99 ${bare.p99Ms.toFixed(1)} ms`,
      ratio: `${(share * 100).toFixed(0)}%`,
      target: `>= ${TARGET_SHARE * 100}% of the floor, p99 <= the floor's`,
      met: share >= TARGET_SHARE && consent.p99Ms <= bare.p99Ms,
    },
    memory,
  ]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
