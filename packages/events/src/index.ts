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
export {
  DEADLINE_EXTENSION_REASONS,
  latestExtendedDeadline,
  type DeadlineExtensionReason,
} from './deadlines';
export { newRequestId, requestIdFrom } from './request-id';
export {
  accessTaskRejection,
  canonicalTask,
  signAccessTask,
  signTask,
  taskRejection,
  TASK_SIGNATURE_LIFETIME_MS,
  type SignedAccessTask,
  type SignedTask,
  type TaskRejection,
} from './task-signature';
export { EventsError, EVENTS_ERROR_CODES, type EventsErrorCode } from './errors';
export * from './generated/types';
export { canonicalJson } from './canonical-json';
