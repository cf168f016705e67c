import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { freePort } from './ports';

export interface PrivateMongo {
  readonly url: string;
  /** Stops the server (SIGTERM) and waits until it is gone; its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/** The FerretDB that deploy/local built (`./lethe up` builds it into $LETHE_HOME/opt). */
function ferretDbBinary(): string {
  const home = process.env.LETHE_HOME ?? path.resolve(__dirname, '..', '..', '.lethe');
  const opt = path.join(home, 'opt');
  const built = existsSync(opt) ? readdirSync(opt).filter((name) => name.startsWith('ferretdb-local-')) : [];
  if (built.length === 0) throw new Error(`no FerretDB built in ${opt}: run ./lethe up first`);
  return path.join(opt, built.sort().at(-1)!);
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
 * never stopped. Loopback only, its own data directory.
 */
export async function privateMongo(): Promise<PrivateMongo> {
  const binary = ferretDbBinary();
  const port = await freePort();
  const data = mkdtempSync(path.join(tmpdir(), 'lethe-ferretdb-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-data', data], { stdio: 'ignore' });
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
    url: `mongodb://127.0.0.1:${port}/`,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(data, { recursive: true, force: true });
    },
  };
}
