// What another service needs to take part in Lethe: emit account events, and join the erasure
// protocol for the stores it owns.
export {
  ACCOUNT_INGEST_TOPIC,
  createAccountEventsClient,
  type AccountEventsClient,
  type AccountEventsClientOptions,
  type ContactFields,
  type EmitOptions,
  type Emitted,
} from './account-events-client';
export {
  connectToLethe,
  joinErasureProtocol,
  joinLethe,
  type JoinLetheOptions,
  type LetheConnection,
  type LetheConnectionOptions,
  type ErasureTask,
  type Participant,
  type ParticipantDeclaration,
  type TaskOutcome,
  type TaskResult,
} from '@lethe/participant';
