// For this package's own tests, which look at what the port hides (raw configs, transactions).
import { Kafka, logLevel } from 'kafkajs';

import { testServers, uniqueName } from '@lethe/test-harness';

export function rawTestKafka(): Kafka {
  return new Kafka({
    brokers: testServers().kafkaBrokers,
    clientId: uniqueName('raw'),
    logLevel: logLevel.NOTHING,
  });
}
