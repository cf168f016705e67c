// For this package's own tests, which look at what the port hides (raw configs, transactions).
import { Kafka, logLevel } from 'kafkajs';

import { testKafkaConnection, uniqueName } from '@lethe/test-harness';

export function rawTestKafka(): Kafka {
  const { brokers, tls, sasl } = testKafkaConnection();
  return new Kafka({
    brokers: [...brokers],
    ...(tls === undefined ? {} : { ssl: tls }),
    ...(sasl === undefined ? {} : { sasl: { ...sasl } as never }),
    clientId: uniqueName('raw'),
    logLevel: logLevel.NOTHING,
  });
}
