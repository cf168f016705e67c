import type { Logger } from 'pino';

// kafkajs' numeric levels (logLevel in kafkajs): NOTHING 0, ERROR 1, WARN 2, INFO 4, DEBUG 5.
const KAFKAJS_LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  1: 'error',
  2: 'warn',
  4: 'info',
  5: 'debug',
};

interface KafkajsLogEntry {
  namespace: string;
  level: number;
  label: string;
  log: { message: string; [key: string]: unknown };
}

/**
 * A kafkajs `logCreator` that writes through pino, so kafkajs' lines get the same redaction as
 * ours. kafkajs' own INFO lines (joins, rebalances) are kept at debug: they drown out ours.
 */
export function kafkajsLogCreator(logger: Logger) {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }: KafkajsLogEntry): void => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      const pinoLevel = KAFKAJS_LEVELS[level] ?? 'debug';
      child[pinoLevel === 'info' ? 'debug' : pinoLevel]({ namespace, ...extra }, message);
    };
}
