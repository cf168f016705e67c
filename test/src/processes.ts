import { spawn, type ChildProcess } from 'node:child_process';

import { testServers } from './servers';

/**
 * Runs a TypeScript entry point (a service's main.ts, or a fixture) as a child process pointed at
 * the test servers, for the tests that kill a process with SIGKILL and start it again. `env`
 * adds to (and may override) the server settings; stderr is passed through, stdout dropped.
 */
export function spawnLetheProcess(
  entry: string,
  database: string,
  env: NodeJS.ProcessEnv = {},
): ChildProcess {
  const servers = testServers();
  return spawn(process.execPath, ['--conditions=lethe-source', '--import', 'tsx', entry], {
    env: {
      ...process.env,
      LETHE_KAFKA_BROKERS: servers.kafkaBrokers.join(','),
      LETHE_MONGO_URL: servers.mongoUrl,
      LETHE_MONGO_DATABASE: database,
      LETHE_REGISTRY_URL: servers.registryUrl,
      LETHE_REDIS_URL: servers.redisUrl,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** kill -9, and wait until the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
