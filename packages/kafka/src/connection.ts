import { readFileSync } from 'node:fs';

import type { KafkaSettings } from './client';

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

/**
 * The connection from the environment, the one reading of these variables for every process:
 * LETHE_KAFKA_BROKERS; LETHE_KAFKA_SASL_USERNAME and _PASSWORD (and _MECHANISM, default
 * scram-sha-512); LETHE_TLS_CA_FILE, the CA to trust instead of the system's. TLS is on whenever
 * SASL or a CA is given (credentials never cross the wire in the clear); LETHE_KAFKA_TLS=true
 * turns it on with the system's CAs, =false off.
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
  return { brokers, ...(tls === undefined ? {} : { tls }), ...(sasl === undefined ? {} : { sasl }) };
}
