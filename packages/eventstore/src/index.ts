export {
  createCommandHandler,
  type CommandContext,
  type CommandHandler,
  type CommandHandlerDeps,
  type HandledCommand,
  type StateCodec,
} from './command-handler';
export { assertNever, foldEvents, type Decider } from './decider';
export { deciderSpec, type DeciderSpec } from './decider-spec';
export { EventStoreError, EVENTSTORE_ERROR_CODES, isDuplicateKey, type EventStoreErrorCode } from './errors';
export { createOutboxRelay, type OutboxRelay, type OutboxRelayDeps } from './outbox-relay';
export { startTimerSweeper, type TimerSweeper, type TimerSweeperDeps } from './timer-sweeper';
export {
  createStreamStore,
  type LoadedStream,
  type LoadOptions,
  type NewCommit,
  type OutboxRecord,
  type StreamDocument,
  type StreamStore,
  type UnpublishedCommit,
} from './stream-store';
export { outboxRecords, type OutboxRecordsDeps, type Wire, type WireEnvelope } from './outbox-records';
export { IDEMPOTENCY_KEYS, mongoIdempotencyRecords } from './idempotency-records';
