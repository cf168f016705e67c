import pino, { type Logger, type LoggerOptions } from 'pino';

import { REDACTED, redactionPaths } from './redaction';
import { currentTrace } from './trace-context';

export type { Logger } from 'pino';

export interface LoggerConfig {
  /** The component that logs, e.g. `erasure` or `kafka`. */
  name: string;
  level?: LoggerOptions['level'];
  /** Where lines go; standard output when absent (tests pass a stream to read them back). */
  destination?: pino.DestinationStream;
}

export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    redact: { paths: redactionPaths(), censor: REDACTED },
    base: { service: config.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Every line written while a request or a record is handled names its trace.
    mixin: () => {
      const trace = currentTrace();
      return trace ? { traceId: trace.traceId } : {};
    },
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}
