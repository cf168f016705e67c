export { createKafka, type KafkaConnection } from './client';
export {
  createEventProducer,
  createTransactionalProducer,
  type ConsumedOffset,
  type EventProducer,
  type EventProducerDeps,
  type OutgoingEvent,
  type TransactionalProducer,
  type TransactionScope,
} from './producer';
export {
  DLQ_HEADERS,
  runConsumer,
  type ConsumedRecord,
  type ConsumerRunner,
  type ConsumerRunnerDeps,
} from './consumer';
export { backoffMs, DEFAULT_RETRY, type RetryPolicy } from './backoff';
export { createConsumedBarrier, type ConsumedBarrier, type ConsumedBarrierDeps } from './consumed-barrier';
export { closeOnSignals, type Closer } from './shutdown';
export {
  applyTopics,
  DEAD_LETTER_COPY_LIFETIME_MS,
  deadLetterTopicName,
  deadLetterTopicSpec,
  INGEST_COPY_LIFETIME_MS,
  INGEST_RETENTION,
  letheTopics,
  LOCAL_LAYOUT,
  taskTopicSpec,
  type ApplyResult,
  type TopicLayout,
  type TopicSpec,
} from './topics';
export {
  describeCause,
  isRetriable,
  KafkaPortError,
  KAFKA_PORT_ERROR_CODES,
  type KafkaPortErrorCode,
} from './errors';
