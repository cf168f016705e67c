import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { freePort } from './ports';
import { testServers } from './servers';

export interface PrivateMongo {
  readonly url: string;
  /** Stops the server (SIGTERM) and waits until it is gone; its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it for good (the documents stay in PostgreSQL until the test drops its database). */
  destroy(): Promise<void>;
}

const LETHE_HOME = process.env.LETHE_HOME ?? path.resolve(__dirname, '..', '..', '.lethe');

/**
 * The FerretDB that deploy/local built from today's sources: `./lethe up` names the binary after
 * a digest of them (lib/mongo.sh), and older builds may sit beside it.
 */
function ferretDbBinary(): string {
  const sources = path.resolve(__dirname, '..', '..', 'deploy', 'local', 'ferretdb');
  const digest = createHash('sha256');
  for (const file of ['main.go', 'go.mod', 'go.sum']) digest.update(readFileSync(path.join(sources, file)));
  const binary = path.join(LETHE_HOME, 'opt', `ferretdb-local-${digest.digest('hex').slice(0, 12)}`);
  if (!existsSync(binary)) throw new Error(`no FerretDB built at ${binary}: run ./lethe up first`);
  return binary;
}

async function listening(port: number, timeoutMs = 20_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`FerretDB did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A MongoDB-wire server of a test's own, for the tests that stop the store: the shared one is
 * never stopped. A second FerretDB on its own loopback port, with the local stack's TLS, over
 * the local stack's PostgreSQL: while it is stopped, its clients' store is down.
 */
export async function privateMongo(): Promise<PrivateMongo> {
  const binary = ferretDbBinary();
  const port = await freePort();
  const tls = path.join(LETHE_HOME, 'tls');
  const args = [
    ...['-listen-tls', `127.0.0.1:${port}`],
    ...['-tls-cert', path.join(tls, 'server.crt'), '-tls-key', path.join(tls, 'server.key')],
    ...['-postgresql-url', `postgres:///ferretdb?host=${path.join(LETHE_HOME, 'run', 'postgres')}`],
  ];
  const url = new URL(testServers().mongoUrl);
  url.port = String(port);
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(binary, args, { stdio: 'ignore' });
    await listening(port);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: url.toString(),
    start,
    stop,
    destroy: stop,
  };
}
