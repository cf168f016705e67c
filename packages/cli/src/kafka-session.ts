import { connectKafka, type KafkaClient } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';

import type { CliConfig } from './config';

/**
 * One Kafka connection for one command, closed whatever the command does. `quiet` keeps the
 * client's warnings off standard output, for commands whose output is read by programs.
 */
export async function withKafka<T>(
  config: CliConfig,
  { clientId, quiet = false }: { clientId: string; quiet?: boolean },
  use: (kafka: KafkaClient) => Promise<T>,
): Promise<T> {
  const logger = createLogger({ name: 'lethe-cli', level: quiet ? 'error' : 'warn' });
  const kafka = await connectKafka({ ...config.kafka, clientId }, logger);
  try {
    return await use(kafka);
  } finally {
    await kafka.close();
  }
}
