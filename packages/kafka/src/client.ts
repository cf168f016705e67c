import type { SASLOptions } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';

import { kafkajsLogCreator, type Logger } from '@lethe/logger';

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** TLS to the brokers; `true` uses the system's CAs. */
  ssl?: boolean | { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean };
  sasl?: SASLOptions;
}

export function createKafka({ brokers, clientId, logger, ssl, sasl }: KafkaConnection): Kafka {
  return new Kafka({
    brokers,
    clientId,
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl }),
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogCreator(logger),
    retry: { initialRetryTime: 100, retries: 8 },
  });
}
