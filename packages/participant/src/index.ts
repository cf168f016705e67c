export { canonicalJson, evidenceDigest } from './evidence';
export { type EraseMany } from './erase-batches';
export {
  ANSWERS_TOPIC,
  ERASURE_EVENTS_TOPIC,
  joinErasureProtocol,
  MAX_EXPORT_BYTES,
  PARTICIPANTS_TOPIC,
  TaskRefused,
  type ErasureTask,
  type ExportResult,
  type ExportTask,
  type Participant,
  type ParticipantDeclaration,
  type ParticipantDeps,
  type TaskOutcome,
  type TaskResult,
} from './participant';
export {
  connectLetheKafka,
  connectToLethe,
  joinLethe,
  letheCodec,
  type JoinLetheOptions,
  type LetheConnection,
  type LetheConnectionOptions,
} from './connect';
