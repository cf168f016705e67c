import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { serviceFetch } from '@lethe/service-kit';

import { testServers } from './servers';

// The local system from `./lethe up`, as its users reach it: the tests that run against the
// shared stack's own services and principals (not a test's private copy).

export const REPO_DIR = path.resolve(__dirname, '..', '..');
export const LETHE_HOME = process.env.LETHE_HOME ?? path.join(REPO_DIR, '.lethe');
/** The CA `./lethe up` made, which a user's client trusts (`./lethe env` prints its path). */
export const LOCAL_CA_FILE = path.join(LETHE_HOME, 'tls', 'ca.crt');

/** The local stack's principals exist where the tests run as its `admin` (LETHE_PRINCIPAL). */
export function onLocalStack(): boolean {
  return testServers().security.LETHE_PRINCIPAL === 'admin';
}

/** `describe` on the local stack, `describe.skip` elsewhere (servers given by address). */
export function describeOnLocalStack(name: string, body: () => void): void {
  (onLocalStack() ? describe : describe.skip)(name, body);
}

// As a user's shell runs it: none of the test run's own servers, principal or keys.
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('LETHE_') || name === 'LETHE_HOME'),
);

/** `./lethe ARGS` as a user runs it. */
export function lethe(...args: string[]) {
  return spawnSync(path.join(REPO_DIR, 'lethe'), args, {
    cwd: REPO_DIR,
    encoding: 'utf8',
    timeout: 300_000,
    env: userEnv,
  });
}

/** `./lethe up`, or an error with what it printed. */
export function letheUp(): void {
  const up = lethe('up');
  if (up.status !== 0) throw new Error(`./lethe up failed:\n${up.stdout}\n${up.stderr}`);
}

/** An `Authorization` header with an operator token from `./lethe token`. */
export function operatorAuthorization(name: string): string {
  const token = lethe('token', '--scope', 'operator', '--name', name);
  return `Bearer ${token.stdout.trim().split('\n').at(-1)}`;
}

/** HTTPS to the services, trusting the local CA. */
export const fetchLocal = serviceFetch(LOCAL_CA_FILE);

/** A new account on the local system, made by an operator, with a unique address. */
export async function openLocalAccount(
  operator: string,
  name: string,
): Promise<{ subjectId: string; email: string }> {
  const email = `${name}.${randomBytes(5).toString('hex')}@example.com`;
  const answer = await fetchLocal('https://127.0.0.1:3001/v1/accounts', {
    method: 'POST',
    headers: { authorization: operator, 'content-type': 'application/json' },
    body: JSON.stringify({ email, name: `Person ${name}` }),
  });
  if (answer.status !== 201) throw new Error(`the account service answered ${answer.status} to a sign-up`);
  return { email, subjectId: ((await answer.json()) as { subjectId: string }).subjectId };
}
