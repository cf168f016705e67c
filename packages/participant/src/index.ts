export { canonicalJson, evidenceDigest } from './evidence';
export {
  ANSWERS_TOPIC,
  ERASURE_EVENTS_TOPIC,
  joinErasureProtocol,
  PARTICIPANTS_TOPIC,
  TaskRefused,
  type ErasureTask,
  type Participant,
  type ParticipantDeclaration,
  type ParticipantDeps,
  type TaskOutcome,
  type TaskResult,
} from './participant';
