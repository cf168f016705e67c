export { createLogger, type Logger, type LoggerConfig } from './logger';
export { kafkajsLogCreator } from './kafkajs-log';
export { REDACTED, SENSITIVE_FIELDS, redactionPaths } from './redaction';
export {
  continueTrace,
  currentTrace,
  formatTraceparent,
  parseTraceparent,
  runInTrace,
  traceHeaders,
  TRACEPARENT_HEADER,
  type TraceContext,
} from './trace-context';
