import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { kafkaConnectionFromEnv, type KafkaConnection } from '@lethe/kafka';

import { startContainers } from './containers';

/** Where the real servers are. Tests never mock them. */
export interface Servers {
  kafkaBrokers: string[];
  mongoUrl: string;
  redisUrl: string;
  registryUrl: string;
  /** Further LETHE_* variables the clients need: Kafka SASL, the CA file (see exportServers). */
  security: Record<string, string>;
  source: 'environment' | 'local-stack' | 'testcontainers';
}

/** The variables that carry credentials and trust, passed on as they are. */
const SECURITY_VARIABLES = [
  'LETHE_PRINCIPAL',
  'LETHE_TLS_CA_FILE',
  'LETHE_KAFKA_TLS',
  'LETHE_KAFKA_SASL_MECHANISM',
  'LETHE_KAFKA_SASL_USERNAME',
  'LETHE_KAFKA_SASL_PASSWORD',
  // The object store (the local stack's versitygw): endpoint and its root account.
  'LETHE_S3_ENDPOINT',
  'LETHE_S3_ACCESS_KEY_ID',
  'LETHE_S3_SECRET_ACCESS_KEY',
] as const;

function securityOf(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    SECURITY_VARIABLES.flatMap((name) => {
      const value = env[name];
      return value === undefined ? [] : [[name, value]];
    }),
  );
}

const REPO_DIR = path.resolve(__dirname, '..', '..');
export const ENV = {
  kafka: 'LETHE_KAFKA_BROKERS',
  mongo: 'LETHE_MONGO_URL',
  redis: 'LETHE_REDIS_URL',
  registry: 'LETHE_REGISTRY_URL',
} as const;

function fromEnvironment(): Servers | undefined {
  const kafka = process.env[ENV.kafka];
  const mongo = process.env[ENV.mongo];
  const redis = process.env[ENV.redis];
  const registry = process.env[ENV.registry];
  if (!kafka || !mongo || !redis || !registry) return undefined;
  return {
    kafkaBrokers: kafka.split(','),
    mongoUrl: mongo,
    redisUrl: redis,
    registryUrl: registry,
    security: securityOf(process.env),
    source: 'environment',
  };
}

const STACK_SCRIPT = path.join(REPO_DIR, 'deploy', 'local', 'stack.sh');

/**
 * A local stack's connection settings for one principal (`stack.sh env NAME`); `stackEnv`
 * names another stack (its LETHE_HOME and ports).
 */
export function localPrincipalEnv(principal = 'admin', stackEnv = process.env): Record<string, string> {
  const printed = spawnSync('bash', [STACK_SCRIPT, 'env', principal], { encoding: 'utf8', env: stackEnv });
  if (printed.status !== 0) throw new Error(`stack.sh env ${principal} failed: ${printed.stderr.trim()}`);
  const env: Record<string, string> = {};
  for (const line of printed.stdout.split('\n')) {
    const match = /^export (\w+)='([^']*)'$/.exec(line);
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

function localStackAddresses(): Servers {
  const admin = localPrincipalEnv('admin');
  return {
    kafkaBrokers: admin.LETHE_KAFKA_BROKERS!.split(','),
    mongoUrl: admin.LETHE_MONGO_URL!,
    redisUrl: admin.LETHE_REDIS_URL!,
    registryUrl: admin.LETHE_REGISTRY_URL!,
    security: securityOf(admin),
    source: 'local-stack',
  };
}

function dockerEngineAvailable(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/**
 * The servers, in this order: addresses given in the environment; else the deploy/local stack,
 * started if it is not running (`stack.sh up` is idempotent); else, where a Docker engine
 * exists, testcontainers with docker-compose.yml's images.
 */
export async function resolveServers(): Promise<Servers> {
  const given = fromEnvironment();
  if (given) return given;
  const up = spawnSync('bash', [STACK_SCRIPT, 'up'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (up.status === 0) return localStackAddresses();
  if (dockerEngineAvailable()) {
    return startContainers();
  }
  throw new Error(
    'No servers for the tests: set LETHE_KAFKA_BROKERS, LETHE_MONGO_URL, LETHE_REDIS_URL and LETHE_REGISTRY_URL, ' +
      'or fix `bash deploy/local/stack.sh up` (its message is above).',
  );
}

export function exportServers(servers: Servers): void {
  process.env[ENV.kafka] = servers.kafkaBrokers.join(',');
  process.env[ENV.mongo] = servers.mongoUrl;
  process.env[ENV.redis] = servers.redisUrl;
  process.env[ENV.registry] = servers.registryUrl;
  Object.assign(process.env, servers.security);
}

/** The test servers' Kafka: brokers, TLS and SASL, as every Lethe process reads them. */
export function testKafkaConnection(): KafkaConnection {
  testServers();
  return kafkaConnectionFromEnv(process.env);
}

/** The servers global-setup found, as seen from inside a test file. */
export function testServers(): Servers {
  const servers = fromEnvironment();
  if (!servers)
    throw new Error('test servers are not set: run the tests through jest (test/src/global-setup.ts)');
  return servers;
}
