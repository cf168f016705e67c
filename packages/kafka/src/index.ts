// The only module that knows kafkajs (enforced by lint): everything else talks to Kafka through
// the KafkaClient a process connects once.
export { connectKafka, type ConsumerLag, type KafkaClient, type KafkaSettings } from './client';
export { type ConsumerStatus, type TopicCounts } from './consumer-status';
export {
  BUILT_IN_PARTICIPANTS,
  formatAclMatrix,
  letheAclMatrix,
  taskTopicName,
  type AclGrant,
  type AclMatrixOptions,
} from './acl-matrix';
export {
  kafkaConnectionFromEnv,
  KafkaConnectionError,
  topicOwnershipFromEnv,
  type KafkaConnection,
} from './connection';
export { deploymentTopicSpecs } from './deployment-topics';
export {
  STRIMZI_API_VERSION,
  strimziKafkaTopics,
  strimziKafkaUsers,
  strimziResources,
  type StrimziDeployment,
  type StrimziResource,
} from './strimzi';
export { type KafkaAdmin, type PartitionOffsets, type TopicDescription } from './admin';
export {
  DLQ_HEADERS,
  SUBJECTS_CONSUMED_CONCURRENTLY,
  type ConsumedRecord,
  type ConsumerRunner,
  type EventConsumerOptions,
  type RecordConsumerOptions,
} from './consumer';
export {
  type ConsumedOffset,
  type EventProducer,
  type OutgoingEvent,
  type ProducedAck,
  type ProducedRecord,
  type TransactionalProducer,
  type TransactionScope,
} from './producer';
export {
  type TransactionalConsumer,
  type TransformedChunk,
  type TransactionalConsumerOptions,
} from './transactional-consumer';
export { type ReadTopicOptions, type TopicRecord } from './read-topic';
export { type ConsumedBarrier } from './consumed-barrier';
export { backoffMs, DEFAULT_RETRY, type RetryPolicy } from './backoff';
export { closeOnSignals, type Closer } from './shutdown';
export {
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  replayProgressGroup,
  showDeadLetters,
  type DeadLetterSummary,
  type DeadLetterView,
  type ReplayOptions,
  type ReplayResult,
} from './dead-letter-tools';
export {
  DEAD_LETTER_COPY_LIFETIME_MS,
  DEAD_LETTER_MAX_MESSAGE_BYTES,
  DEAD_LETTER_SUFFIX,
  deadLetterTopicName,
  deadLetterTopicSpec,
  INGEST_COPY_LIFETIME_MS,
  INGEST_RETENTION,
  letheTopics,
  LOCAL_LAYOUT,
  PRODUCTION_LAYOUT,
  systemTopics,
  taskTopicSpec,
  TOPIC_LAYOUTS,
  type ApplyResult,
  type ConfigChange,
  type TopicLayout,
  type TopicLayoutName,
  type TopicOwnership,
  type TopicPlan,
  type TopicSpec,
} from './topics';
export {
  describeCause,
  isRetriable,
  KafkaPortError,
  KAFKA_PORT_ERROR_CODES,
  type KafkaPortErrorCode,
} from './errors';
