// Account commands per second and their latency against the running account service (./lethe
// up), each beside its floor: a bare Fastify route on the same TLS that answers the same status,
// under the same load from wrk. Sign-ups (POST /v1/accounts, a new address each), profile changes
// (PATCH, a new name each) and activity (POST .../activity) on accounts the bench opens first.
// Deletion is the erasure bench's (each needs an account of its own and starts an erasure).
// Prints numbers and ratios; asserts nothing. Every sign-up is a real account: run it on a stack
// you can reset.
//
//   node --conditions=lethe-source --import tsx bench/account-commands.ts [SECONDS] [CONNECTIONS] [ROUNDS]
import { randomUUID } from 'node:crypto';

import type { FastifyReply, FastifyRequest } from 'fastify';

import { serviceFetch } from '@lethe/service-kit';

import {
  compareWithFloor,
  memoryFigure,
  serviceRssMiB,
  serviceToken,
  startFloor,
  wrkLine,
  type FloorComparison,
} from './http-floor';
import { benchServers } from './servers';
import { count, recordFigures, type BenchFigure } from './summary';
import { requireWrk, type WrkLoad, type WrkResult } from './wrk';

const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = Number(process.argv[3] ?? 16);
const ROUNDS = Number(process.argv[4] ?? 3);
const BASE = process.env.LETHE_ACCOUNT_URL ?? 'https://127.0.0.1:3001';
const ACCOUNTS = 100;
/** The issue's targets for sign-ups: this rate with this p99, and this share of the floor's rate. */
const TARGET = { rate: 1_000, p99Ms: 100, share: 0.2 };

interface Command {
  readonly name: string;
  readonly load: Omit<WrkLoad, 'connections' | 'seconds' | 'headers'>;
  /** The floor answers every path of the load with this status and body. */
  readonly status: number;
  readonly body: () => unknown;
  readonly target?: typeof TARGET;
  /** Whether requests carry a JSON body (and its Content-Type); default true. */
  readonly json?: boolean;
}

/** The floor: routes that answer the command's status and nothing else. */
const startCommandFloor = (command: Command) =>
  startFloor((app) => {
    const answer = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.status(command.status).send(command.body());
    app.post('/v1/accounts', answer);
    app.patch('/v1/accounts/:subjectId', answer);
    app.post('/v1/accounts/:subjectId/activity', answer);
  });

const line = (what: string, result: WrkResult) => wrkLine(what, result, { rate: 1, ms: 1 });

async function openAccounts(token: string, run: string): Promise<string[]> {
  const fetch = serviceFetch(process.env.LETHE_TLS_CA_FILE ?? '.lethe/tls/ca.crt');
  const subjects: string[] = [];
  for (let i = 0; i < ACCOUNTS; i += 1) {
    const response = await fetch(`${BASE}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-${run}-setup-${i}@example.com`, name: 'Bench' }),
    });
    if (response.status !== 201) throw new Error(`opening a bench account answered ${response.status}`);
    subjects.push(((await response.json()) as { subjectId: string }).subjectId);
  }
  return subjects;
}

async function main() {
  requireWrk();
  await benchServers();
  const token = serviceToken();
  const run = Date.now().toString(36);
  const subjects = await openAccounts(token, run);
  const commands: Command[] = [
    {
      name: 'sign-up (POST /v1/accounts)',
      load: {
        paths: ['/v1/accounts'],
        method: 'POST',
        // A new address each time: '{"email":"bench-<run>-<thread>-<n>@example.com","name":"Bench"}'.
        luaBody: `'{"email":"bench-${run}-' .. id .. '-' .. n .. '@example.com","name":"Bench"}'`,
      },
      status: 201,
      body: () => ({ subjectId: `sub_${randomUUID().replaceAll('-', '')}` }),
      target: TARGET,
    },
    {
      name: 'profile change (PATCH /v1/accounts/:id)',
      load: {
        paths: subjects.map((subjectId) => `/v1/accounts/${subjectId}`),
        method: 'PATCH',
        luaBody: `'{"name":"Bench ' .. id .. '-' .. n .. '"}'`,
      },
      status: 200,
      body: () => ({ subjectId: 'sub_floor', status: 'active', profile: { name: 'Bench' } }),
    },
    {
      name: 'activity (POST /v1/accounts/:id/activity)',
      // No body, so no Content-Type: Fastify answers 400 to a JSON type with an empty body.
      load: { paths: subjects.map((subjectId) => `/v1/accounts/${subjectId}/activity`), method: 'POST' },
      json: false,
      status: 204,
      body: () => undefined,
    },
  ];

  const figures: BenchFigure[] = [];
  console.log(
    `account commands, wrk with ${CONNECTIONS} connections for ${SECONDS} s each, service and floor in turn ${ROUNDS} times (medians):`,
  );
  for (const command of commands) {
    const load: WrkLoad = {
      ...command.load,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(command.json === false ? {} : { 'Content-Type': 'application/json' }),
      },
      connections: CONNECTIONS,
      seconds: SECONDS,
    };
    const floor = await startCommandFloor(command);
    let compared: FloorComparison;
    try {
      compared = await compareWithFloor(BASE, floor.url, load, ROUNDS);
    } finally {
      await floor.close();
    }
    const { service, floor: bare, share } = compared;
    const target = command.target;
    const met = target
      ? share >= target.share && service.requestsPerSecond >= target.rate && service.p99Ms <= target.p99Ms
      : undefined;
    console.log(`  ${command.name}:`);
    console.log(`    ${line('account service', service)}`);
    console.log(`    ${line(`floor (bare Fastify answering ${command.status})`, bare)}`);
    console.log(
      `    ratio: ${(share * 100).toFixed(2)}% of the floor's rate` +
        (target
          ? ` (targets >= ${target.share * 100}% and >= ${target.rate}/s with p99 <= ${target.p99Ms} ms: ${met ? 'met' : 'not met'})`
          : ''),
    );
    figures.push({
      what: `account ${command.name}, wrk ${CONNECTIONS} connections`,
      value: `${count(service.requestsPerSecond, 1)}/s, p99 ${count(service.p99Ms, 0)} ms`,
      floor: `bare Fastify answering ${command.status}: ${count(bare.requestsPerSecond)}/s`,
      ratio: `${(share * 100).toFixed(2)}%`,
      ...(target
        ? {
            target: `>= ${target.rate}/s with p99 <= ${target.p99Ms} ms, and >= ${target.share * 100}% of the floor`,
            met,
          }
        : {}),
    });
  }
  const rss = serviceRssMiB('account');
  console.log(`  account service RSS after the run: ${memoryFigure('account', rss).value}`);
  figures.push(memoryFigure('account', rss));
  recordFigures('account-commands', figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
