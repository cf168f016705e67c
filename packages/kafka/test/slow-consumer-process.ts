// A consumer process for shutdown.int.test.ts: it handles each record slowly and says so on
// stdout, so the test can send SIGTERM while a record is in hand.
import { createLogger } from '@lethe/logger';

import { closeOnSignals, connectKafka } from '../src';

async function main() {
  const [brokers, topic, groupId] = process.argv.slice(2) as [string, string, string];
  const logger = createLogger({
    name: 'slow-consumer',
    level: process.env.LETHE_TEST_LOG_LEVEL ?? 'silent',
    destination: process.stderr,
  });
  const kafka = await connectKafka({ brokers: brokers.split(','), clientId: groupId }, logger);
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
