// What the HTTP benches share: a service token from `./lethe token`, and the floor they measure
// against, a bare Fastify server on the local stack's TLS with only the route it is given.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

import Fastify, { type FastifyInstance } from 'fastify';

import type { BenchFigure } from './summary';
import { runWrk, type WrkLoad, type WrkResult } from './wrk';

/** A `service` token for an hour, as `./lethe token` prints it. */
export function serviceToken(): string {
  return execFileSync('./lethe', ['token', '--scope', 'service', '--ttl', '3600'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
}

/** A local-stack service's resident memory, from its pid file, and how it runs: from the
 * sources through tsx (the default), or compiled as the image runs it (LETHE_RUN_FROM=dist).
 * Undefined when it is not running. */
export function serviceRssMiB(service: string): { mib: number; runs: 'sources' | 'dist' } | undefined {
  try {
    const pid = readFileSync(`.lethe/run/${service}.pid`, 'utf8').split(' ')[0]!.trim();
    const [kib, ...command] = execFileSync('ps', ['-o', 'rss=,args=', '-p', pid], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
    return {
      mib: Math.round(Number(kib) / 1024),
      runs: command.some((arg) => arg.endsWith('dist/main.js')) ? 'dist' : 'sources',
    };
  } catch {
    return undefined;
  }
}

/** The memory target for a service, as a summary figure. */
export const memoryFigure = (service: string, rss: ReturnType<typeof serviceRssMiB>): BenchFigure => ({
  what: `${service} service memory after its bench (RSS)`,
  value:
    rss === undefined
      ? 'unknown'
      : `${rss.mib} MiB (${rss.runs === 'dist' ? 'compiled, as the image runs it' : 'from the sources through tsx'})`,
  target: '<= 200 MiB per service',
  ...(rss === undefined ? {} : { met: rss.mib <= 200 }),
});

/** A bare HTTPS server with the routes `register` adds, listening on a free local port. */
export async function startFloor(
  register: (app: FastifyInstance) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({
    logger: false,
    https: { key: readFileSync('.lethe/tls/server.key'), cert: readFileSync('.lethe/tls/server.crt') },
  });
  register(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  };
}

/** Each round's share of the floor, as the benches print it: "61%, 66%, 58%". */
export const roundSharesLine = (compared: FloorComparison) =>
  compared.roundShares.map((share) => `${(share * 100).toFixed(0)}%`).join(', ');

/** One result as the benches print it. */
export const wrkLine = (what: string, result: WrkResult, digits: { rate: number; ms: number }) =>
  `${what}: ${result.requestsPerSecond.toFixed(digits.rate)}/s, p50 ${result.p50Ms.toFixed(digits.ms)} ms, p99 ${result.p99Ms.toFixed(digits.ms)} ms, errors ${result.errors}`;

/** A service and its floor under the same load, each result the median round of several. */
export interface FloorComparison {
  readonly service: WrkResult;
  readonly floor: WrkResult;
  /** The median of each round's service rate over the floor's rate in that round. */
  readonly share: number;
  /** Each round's service rate over the floor's, in the order run: how far one round moves. */
  readonly roundShares: readonly number[];
  readonly rounds: number;
}

const median = <T>(values: readonly T[], by: (value: T) => number): T =>
  [...values].sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)]!;

/**
 * Service and floor in turn, `rounds` times: on a shared 2-core machine one run of either moves
 * by a third between runs (other processes, the CPU's clock), so one pair's ratio was noise.
 * Rounds that alternate meet the same conditions, and the medians keep one bad round out.
 */
export async function compareWithFloor(
  serviceUrl: string,
  floorUrl: string,
  load: WrkLoad,
  rounds: number,
): Promise<FloorComparison> {
  const pairs: { service: WrkResult; floor: WrkResult }[] = [];
  for (let round = 0; round < rounds; round += 1)
    pairs.push({ service: await runWrk(serviceUrl, load), floor: await runWrk(floorUrl, load) });
  const roundShares = pairs.map((pair) => pair.service.requestsPerSecond / pair.floor.requestsPerSecond);
  return {
    service: median(
      pairs.map((pair) => pair.service),
      (result) => result.requestsPerSecond,
    ),
    floor: median(
      pairs.map((pair) => pair.floor),
      (result) => result.requestsPerSecond,
    ),
    share: median(roundShares, (share) => share),
    roundShares,
    rounds,
  };
}
