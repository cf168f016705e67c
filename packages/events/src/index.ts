export { loadCatalog, SCHEMAS_DIR, type EventCatalog, type EventSchema } from './catalog';
export {
  createEventCodec,
  createSchemaRegistry,
  type DecodedEvent,
  type EventCodec,
  type EventCodecDeps,
  type RegisteredSchema,
} from './codec';
export { isEventOfType, makeEvent, topicOf, type EnvelopeInput, type EventOf } from './envelope';
export { newRequestId, requestIdFrom } from './request-id';
export { EventsError, EVENTS_ERROR_CODES, type EventsErrorCode } from './errors';
export * from './generated/types';
