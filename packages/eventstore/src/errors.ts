export type EventStoreErrorCode = 'EVENTSTORE_CONFLICT' | 'EVENTSTORE_CONFLICT_RETRIES_EXHAUSTED';

export const EVENTSTORE_ERROR_CODES: readonly EventStoreErrorCode[] = [
  'EVENTSTORE_CONFLICT',
  'EVENTSTORE_CONFLICT_RETRIES_EXHAUSTED',
];

export class EventStoreError extends Error {
  override readonly name = 'EventStoreError';

  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}
