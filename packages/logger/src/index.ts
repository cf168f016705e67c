export { createLogger, type Logger, type LoggerConfig } from './logger';
export { kafkajsLogCreator } from './kafkajs-log';
export { deferredChildLogger } from './deferred-child-logger';
export { REDACTED, SENSITIVE_FIELDS, redactionPaths } from './redaction';
export {
  continueTrace,
  currentTrace,
  exportHopsWith,
  formatTraceparent,
  parseTraceparent,
  runInTrace,
  startHop,
  traceHeaders,
  untracedHop,
  TRACEPARENT_HEADER,
  type Hop,
  type TraceContext,
} from './trace-context';
