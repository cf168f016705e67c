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

/** MongoDB's answer to an insert whose _id (or unique key) exists: the write happened before. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}
