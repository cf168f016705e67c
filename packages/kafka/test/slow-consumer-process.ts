// A consumer process for shutdown.int.test.ts: it handles each record slowly and says so on
// stdout, so the test can send SIGTERM while a record is in hand. It reaches the brokers as
// every Lethe process does (LETHE_KAFKA_*, inherited from the test).
import { createLogger } from '@lethe/logger';

import { closeOnSignals, connectKafka, kafkaConnectionFromEnv } from '../src';

async function main() {
  const [topic, groupId] = process.argv.slice(2) as [string, string];
  const logger = createLogger({
    name: 'slow-consumer',
    level: process.env.LETHE_TEST_LOG_LEVEL ?? 'silent',
    destination: process.stderr,
  });
  const kafka = await connectKafka({ ...kafkaConnectionFromEnv(process.env), clientId: groupId }, logger);
  const runner = await kafka.runConsumer({
    groupId,
    topics: [topic],
    logger,
    handle: async (record) => {
      process.stdout.write(`handling ${record.offset}\n`);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      process.stdout.write(`done ${record.offset}\n`);
    },
  });
  closeOnSignals([() => runner.stop(), () => kafka.close()], logger);
  process.stdout.write('ready\n');
}

void main();
