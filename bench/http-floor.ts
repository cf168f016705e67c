// What the HTTP benches share: a service token from `./lethe token`, and the floor they measure
// against, a bare Fastify server on the local stack's TLS with only the route it is given.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

import Fastify, { type FastifyInstance } from 'fastify';

import type { WrkResult } from './wrk';

/** A `service` token for an hour, as `./lethe token` prints it. */
export function serviceToken(): string {
  return execFileSync('./lethe', ['token', '--scope', 'service', '--ttl', '3600'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
}

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

/** One result as the benches print it. */
export const wrkLine = (what: string, result: WrkResult, digits: { rate: number; ms: number }) =>
  `${what}: ${result.requestsPerSecond.toFixed(digits.rate)}/s, p50 ${result.p50Ms.toFixed(digits.ms)} ms, p99 ${result.p99Ms.toFixed(digits.ms)} ms, errors ${result.errors}`;
