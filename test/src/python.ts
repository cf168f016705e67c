import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { testServers } from './servers';

const REPO_DIR = path.resolve(__dirname, '..', '..');
const LETHE_HOME = process.env.LETHE_HOME ?? path.join(REPO_DIR, '.lethe');

/**
 * A virtualenv with a requirements file's packages, from PyPI: made once per distinct file
 * (under .lethe/venvs), then only checked. Returns its python.
 */
export function pythonWith(requirementsFile: string): string {
  const name = createHash('sha256').update(readFileSync(requirementsFile)).digest('hex').slice(0, 12);
  const venv = path.join(LETHE_HOME, 'venvs', name);
  const python = path.join(venv, 'bin', 'python');
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirementsFile],
    { stdio: 'inherit', timeout: 600_000 },
  );
  return python;
}

/** What a process outside Node needs to reach the test servers as the tests do. */
export function serversEnv(topicPrefix: string): NodeJS.ProcessEnv {
  const servers = testServers();
  return {
    PATH: process.env.PATH,
    LETHE_KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    LETHE_TLS_CA_FILE: servers.security.LETHE_TLS_CA_FILE,
    LETHE_KAFKA_SASL_USERNAME: servers.security.LETHE_KAFKA_SASL_USERNAME,
    LETHE_KAFKA_SASL_PASSWORD: servers.security.LETHE_KAFKA_SASL_PASSWORD,
    LETHE_REGISTRY_URL: servers.registryUrl,
    LETHE_TOPIC_PREFIX: topicPrefix,
  };
}
