import { readFileSync } from 'node:fs';

import type { KafkaSettings } from './client';
import { TOPIC_LAYOUTS, type TopicLayoutName, type TopicOwnership } from './topics';

/** How a process reaches the brokers, without its client id: brokers, TLS, SASL. */
export type KafkaConnection = Omit<KafkaSettings, 'clientId'>;

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
type Mechanism = (typeof MECHANISMS)[number];

export class KafkaConnectionError extends Error {
  override readonly name = 'KafkaConnectionError';
  readonly code = 'CONFIG_INVALID';
}

function mechanism(raw: string | undefined): Mechanism {
  const value = (raw || 'scram-sha-512').toLowerCase();
  if (!(MECHANISMS as readonly string[]).includes(value))
    throw new KafkaConnectionError(
      `LETHE_KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')}, not ${JSON.stringify(raw)}`,
    );
  return value as Mechanism;
}

function trustedCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new KafkaConnectionError(
      `LETHE_TLS_CA_FILE cannot be read (${(cause as NodeJS.ErrnoException).code})`,
    );
  }
}

function positiveWhole(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new KafkaConnectionError(`${name} must be a positive whole number, not ${JSON.stringify(raw)}`);
  return value;
}

/**
 * Who owns the topics: LETHE_MANAGE_TOPICS (default true, the local system; false where
 * operators own every topic), and their shape: LETHE_TOPIC_LAYOUT `local` (3 partitions, 1
 * replica) or `production` (6 partitions, 3 replicas, min.insync.replicas 2), each figure
 * overridable with LETHE_TOPIC_PARTITIONS and LETHE_TOPIC_REPLICATION_FACTOR.
 */
export function topicOwnershipFromEnv(env: NodeJS.ProcessEnv): TopicOwnership {
  const manage = env.LETHE_MANAGE_TOPICS ?? 'true';
  if (manage !== 'true' && manage !== 'false')
    throw new KafkaConnectionError(
      `LETHE_MANAGE_TOPICS must be true or false, not ${JSON.stringify(manage)}`,
    );
  const layoutName = env.LETHE_TOPIC_LAYOUT || 'local';
  if (!(layoutName in TOPIC_LAYOUTS))
    throw new KafkaConnectionError(
      `LETHE_TOPIC_LAYOUT must be one of ${Object.keys(TOPIC_LAYOUTS).join(', ')}, not ${JSON.stringify(layoutName)}`,
    );
  const base = TOPIC_LAYOUTS[layoutName as TopicLayoutName];
  return {
    manage: manage === 'true',
    layout: {
      partitions: positiveWhole('LETHE_TOPIC_PARTITIONS', env.LETHE_TOPIC_PARTITIONS, base.partitions),
      replicationFactor: positiveWhole(
        'LETHE_TOPIC_REPLICATION_FACTOR',
        env.LETHE_TOPIC_REPLICATION_FACTOR,
        base.replicationFactor,
      ),
    },
  };
}

/**
 * The connection from the environment, the one reading of these variables for every process:
 * LETHE_KAFKA_BROKERS; LETHE_KAFKA_SASL_USERNAME and _PASSWORD (and _MECHANISM, default
 * scram-sha-512); LETHE_TLS_CA_FILE, the CA to trust instead of the system's. TLS is on whenever
 * SASL or a CA is given (credentials never cross the wire in the clear); LETHE_KAFKA_TLS=true
 * turns it on with the system's CAs, =false off. Topic ownership: topicOwnershipFromEnv.
 */
export function kafkaConnectionFromEnv(env: NodeJS.ProcessEnv): KafkaConnection {
  const brokers = (env.LETHE_KAFKA_BROKERS || `127.0.0.1:${env.LETHE_KAFKA_PORT ?? 9092}`).split(',');
  const username = env.LETHE_KAFKA_SASL_USERNAME;
  if (username && !env.LETHE_KAFKA_SASL_PASSWORD)
    throw new KafkaConnectionError('LETHE_KAFKA_SASL_USERNAME is set without LETHE_KAFKA_SASL_PASSWORD');
  const sasl = username
    ? {
        mechanism: mechanism(env.LETHE_KAFKA_SASL_MECHANISM),
        username,
        password: env.LETHE_KAFKA_SASL_PASSWORD!,
      }
    : undefined;
  const caFile = env.LETHE_TLS_CA_FILE;
  const wanted =
    env.LETHE_KAFKA_TLS === 'false' ? false : Boolean(env.LETHE_KAFKA_TLS === 'true' || caFile || sasl);
  const tls = wanted ? (caFile ? { ca: [trustedCa(caFile)] } : true) : undefined;
  return {
    brokers,
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
    topics: topicOwnershipFromEnv(env),
  };
}
