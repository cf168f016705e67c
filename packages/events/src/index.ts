export { loadCatalog, SCHEMAS_DIR, type EventCatalog, type EventSchema } from './catalog';
export { createEventCodec, createSchemaRegistry, type DecodedEvent, type EventCodec, type EventCodecDeps, type RegisteredSchema } from './codec';
export { makeEvent, topicOf, type EnvelopeInput } from './envelope';
export { EventsError, EVENTS_ERROR_CODES, type EventsErrorCode } from './errors';
export * from './generated/types';
