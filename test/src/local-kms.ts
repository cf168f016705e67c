import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

import { eventually } from './isolation';
import { freePort } from './ports';

// A KMS-compatible server for the AWS KMS adapter's test: local-kms, built from the Go module
// proxy into .lethe/opt once (about 20 s). It speaks plain HTTP and ignores AWS signatures, so
// it is a private test double on loopback, fronted here by TLS under the local CA: the adapter
// is tested over HTTPS, as it talks to KMS.

const LOCAL_KMS = 'github.com/nsmithuk/local-kms';
const LOCAL_KMS_VERSION = 'v0.0.0-20260228092603-2a5e92d09ab6';
const REPO_DIR = path.resolve(__dirname, '..', '..');

export interface LocalKms {
  /** The HTTPS endpoint, under the local CA. */
  readonly endpoint: string;
  readonly caFile: string;
  close(): Promise<void>;
}

function installedBinary(): string {
  const home = process.env.LETHE_HOME ?? path.join(REPO_DIR, '.lethe');
  const dir = path.join(
    process.env.LETHE_OPT_DIR ?? path.join(home, 'opt'),
    `local-kms-${LOCAL_KMS_VERSION}`,
  );
  const binary = path.join(dir, 'local-kms');
  if (existsSync(binary)) return binary;
  const go = spawnSync('go', ['install', `${LOCAL_KMS}@${LOCAL_KMS_VERSION}`], {
    env: { ...process.env, GOBIN: dir, GOFLAGS: '-mod=mod' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (go.status !== 0) throw new Error(`go install ${LOCAL_KMS} failed: ${go.stderr || go.error?.message}`);
  return binary;
}

/** Starts local-kms and a TLS front for it; the caller closes both. */
export async function startLocalKms(tlsDir: string): Promise<LocalKms> {
  const binary = installedBinary();
  const data = mkdtempSync(path.join(tmpdir(), 'lethe-kms-'));
  const kmsPort = await freePort();
  const child: ChildProcess = spawn(binary, [], {
    env: {
      PORT: String(kmsPort),
      KMS_REGION: 'eu-west-1',
      KMS_ACCOUNT_ID: '111122223333',
      KMS_DATA_PATH: data,
    },
    stdio: 'ignore',
  });
  const open = new Set<net.Socket>();
  const front = tls.createServer(
    {
      cert: readFileSync(path.join(tlsDir, 'server.crt')),
      key: readFileSync(path.join(tlsDir, 'server.key')),
    },
    (socket) => {
      const upstream = net.connect(kmsPort, '127.0.0.1');
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close);
      upstream.on('error', close);
    },
  );
  const port = await freePort();
  await new Promise<void>((resolve) => front.listen(port, '127.0.0.1', resolve));
  await eventually(
    () =>
      new Promise<true | undefined>((resolve) => {
        const probe = net.connect(kmsPort, '127.0.0.1', () => {
          probe.destroy();
          resolve(true);
        });
        probe.on('error', () => resolve(undefined));
      }),
    30_000,
    'local-kms to listen',
  );
  return {
    endpoint: `https://localhost:${port}`,
    caFile: path.join(tlsDir, 'ca.crt'),
    async close() {
      const closed = new Promise((resolve) => front.close(resolve));
      for (const socket of open) socket.destroy(); // the SDK keeps its connections alive
      await closed;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(data, { recursive: true, force: true });
    },
  };
}
