// Account sign-ups (POST /v1/accounts) per second and their latency against the running account
// service (./lethe up), beside their floor: a bare Fastify route on the same TLS that answers the
// same 201, under the same load from wrk (each request a new address). Prints numbers and the
// ratio; asserts nothing. Every sign-up is a real account: run it on a stack you can reset.
//
//   node --conditions=lethe-source --import tsx bench/account-signups.ts [SECONDS] [CONNECTIONS] [ROUNDS]
import { randomUUID } from 'node:crypto';

import {
  compareWithFloor,
  serviceRssMiB,
  serviceToken,
  startFloor,
  wrkLine,
  type FloorComparison,
} from './http-floor';
import { benchServers } from './servers';
import { requireWrk, type WrkResult } from './wrk';

const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = Number(process.argv[3] ?? 16);
const ROUNDS = Number(process.argv[4] ?? 3);
const BASE = process.env.LETHE_ACCOUNT_URL ?? 'https://127.0.0.1:3001';
/** The targets: this rate with this p99, and this share of the floor's rate. */
const TARGET = { rate: 1_000, p99Ms: 100, share: 0.2 };

/** The floor: a route that reads the JSON body and answers 201 with an id, and nothing else. */
const startSignupFloor = () =>
  startFloor((app) =>
    app.post('/v1/accounts', async (_request, reply) =>
      reply.status(201).send({ subjectId: `sub_${randomUUID().replaceAll('-', '')}` }),
    ),
  );

const line = (what: string, result: WrkResult) => wrkLine(what, result, { rate: 1, ms: 1 });

async function main() {
  requireWrk();
  await benchServers();
  const token = serviceToken();
  const run = Date.now().toString(36);
  const load = {
    paths: ['/v1/accounts'],
    method: 'POST' as const,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    // A new address each time: '{"email":"bench-<run>-<thread>-<n>@example.com","name":"Bench"}'.
    luaBody: `'{"email":"bench-${run}-' .. id .. '-' .. n .. '@example.com","name":"Bench"}'`,
    connections: CONNECTIONS,
    seconds: SECONDS,
  };
  const floor = await startSignupFloor();
  let compared: FloorComparison;
  try {
    compared = await compareWithFloor(BASE, floor.url, load, ROUNDS);
  } finally {
    await floor.close();
  }
  const { service: signups, floor: bare, share } = compared;
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  console.log(
    `account sign-ups, wrk with ${CONNECTIONS} connections for ${SECONDS} s each, service and floor in turn ${ROUNDS} times (medians):`,
  );
  console.log(`  ${line('account service', signups)}`);
  console.log(`  ${line('floor (bare Fastify answering 201)', bare)}`);
  console.log(
    `  ratio: ${(share * 100).toFixed(2)}% of the floor's rate (target >= ${TARGET.share * 100}%: ${met(share >= TARGET.share)}); ` +
      `target >= ${TARGET.rate}/s with p99 <= ${TARGET.p99Ms} ms: ${met(signups.requestsPerSecond >= TARGET.rate && signups.p99Ms <= TARGET.p99Ms)}`,
  );
  console.log(`  account service RSS after the run: ${serviceRssMiB('account')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
