import path from 'node:path';

import { serviceFetch, type ServiceFetch } from '@lethe/service-kit';

const REPO_DIR = path.resolve(__dirname, '..', '..');

/** The CA the services' certificates chain to: the test servers' CA file, or the local stack's. */
export function testCaFile(): string {
  if (process.env.LETHE_TLS_CA_FILE) return process.env.LETHE_TLS_CA_FILE;
  return path.join(process.env.LETHE_HOME ?? path.join(REPO_DIR, '.lethe'), 'tls', 'ca.crt');
}

let fetcher: ServiceFetch | undefined;

/** fetch for the services the tests reach: HTTPS, trusting the test CA only. */
export function testServiceFetch(): ServiceFetch {
  fetcher ??= serviceFetch(testCaFile());
  return fetcher;
}

/** A service on this machine, by port: every Lethe service speaks HTTPS. */
export const serviceUrl = (port: number, rest = '') => `https://127.0.0.1:${port}${rest}`;
