import type { KeyObject } from 'node:crypto';

import { createEventCodec, createSchemaRegistry, loadCatalog, type EventCodec } from '@lethe/events';
import { connectKafka, type KafkaClient, type KafkaConnection } from '@lethe/kafka';
import { createLogger, type Logger } from '@lethe/logger';
import { publicKeyFrom } from '@lethe/signing-keys';

import { joinErasureProtocol, type Participant, type ParticipantDeps } from './participant';

/** How a service outside this repository reaches Lethe's Kafka and schema registry. */
export interface LetheConnectionOptions {
  /** Names the service to the brokers (Kafka client id) and in its logs. */
  clientId: string;
  brokers: string[];
  /** TLS to the brokers (`{ ca: [pem] }` for a private CA) and the SASL credentials. */
  tls?: KafkaConnection['tls'];
  sasl?: KafkaConnection['sasl'];
  /** The schema registry; credentials in the URL (`https://user:password@host/apis/ccompat/v7`). */
  registryUrl: string;
  /** The CA an https:// registry is trusted by. */
  registryCaFile?: string;
  /** A pino logger; by default one at `warn` that redacts personal fields. */
  logger?: Logger;
}

export interface LetheConnection {
  readonly kafka: KafkaClient;
  readonly codec: EventCodec;
  readonly logger: Logger;
  close(): Promise<void>;
}

/** Avro through the registry, with every event schema Lethe knows. */
export function letheCodec(
  options: Pick<LetheConnectionOptions, 'registryUrl' | 'registryCaFile'>,
): EventCodec {
  return createEventCodec({
    registry: createSchemaRegistry(options.registryUrl, { caFile: options.registryCaFile }),
    catalog: loadCatalog(),
  });
}

/** The brokers, with TLS and SASL as given. */
export function connectLetheKafka(
  options: Pick<LetheConnectionOptions, 'clientId' | 'brokers' | 'tls' | 'sasl'>,
  logger: Logger,
): Promise<KafkaClient> {
  return connectKafka(
    {
      brokers: options.brokers,
      clientId: options.clientId,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    },
    logger,
  );
}

/** Connects to the brokers and the registry the way every Lethe service does. */
export async function connectToLethe(options: LetheConnectionOptions): Promise<LetheConnection> {
  const logger = options.logger ?? createLogger({ name: `${options.clientId}-lethe`, level: 'warn' });
  const kafka = await connectLetheKafka(options, logger);
  return { kafka, codec: letheCodec(options), logger, close: () => kafka.close() };
}

export type JoinLetheOptions = LetheConnectionOptions &
  Omit<ParticipantDeps, 'kafka' | 'codec' | 'logger' | 'taskPublicKeys'> & {
    /** The erasure service's task-signing public keys: KeyObjects, or base64 SPKI DER as printed. */
    taskPublicKeys: readonly (KeyObject | string)[];
  };

/**
 * joinErasureProtocol with its own connection: what a service in another repository calls.
 * `stop()` leaves the protocol and closes the connection.
 */
export async function joinLethe(options: JoinLetheOptions): Promise<Participant> {
  const { clientId, brokers, tls, sasl, registryUrl, registryCaFile, logger, taskPublicKeys, ...deps } =
    options;
  const connection = await connectToLethe({
    clientId,
    brokers,
    registryUrl,
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
    ...(registryCaFile === undefined ? {} : { registryCaFile }),
    ...(logger === undefined ? {} : { logger }),
  });
  try {
    const participant = await joinErasureProtocol({
      ...deps,
      kafka: connection.kafka,
      codec: connection.codec,
      logger: connection.logger,
      taskPublicKeys: taskPublicKeys.map((key) => (typeof key === 'string' ? publicKeyFrom(key) : key)),
    });
    return {
      taskTopic: participant.taskTopic,
      async stop() {
        await participant.stop();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
