// The events package's one error family (STYLE.md section 6): a stable code, whether a retry can
// help, and the cause. Messages name types, topics and schema ids, never field values.
export type EventsErrorCode =
  | 'EVENTS_UNKNOWN_TYPE'
  | 'EVENTS_INVALID_EVENT'
  | 'EVENTS_NOT_WIRE_FORMAT'
  | 'EVENTS_UNKNOWN_SCHEMA_ID'
  | 'EVENTS_SCHEMA_REJECTED'
  | 'EVENTS_REGISTRY_UNAVAILABLE'
  | 'EVENTS_REGISTRY_DENIED'
  | 'EVENTS_CATALOG_INVALID';

const RETRIABLE: ReadonlySet<EventsErrorCode> = new Set(['EVENTS_REGISTRY_UNAVAILABLE']);

export class EventsError extends Error {
  override readonly name = 'EventsError';
  readonly retriable: boolean;

  constructor(
    readonly code: EventsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retriable = RETRIABLE.has(code);
  }
}

export const EVENTS_ERROR_CODES: readonly EventsErrorCode[] = [
  'EVENTS_UNKNOWN_TYPE',
  'EVENTS_INVALID_EVENT',
  'EVENTS_NOT_WIRE_FORMAT',
  'EVENTS_UNKNOWN_SCHEMA_ID',
  'EVENTS_SCHEMA_REJECTED',
  'EVENTS_REGISTRY_UNAVAILABLE',
  'EVENTS_REGISTRY_DENIED',
  'EVENTS_CATALOG_INVALID',
];
