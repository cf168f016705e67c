// The ledger's format, written by the audit service and checked by anyone who replays it.
export {
  checkpointValid,
  entryHashOf,
  GENESIS_HASH,
  nextEntry,
  recordDigest,
  signCheckpoint,
  type ChainEntry,
  type EventRef,
} from './chain';
export { AUDITED_TOPICS, LEDGER_TOPIC } from './topics';
export {
  verifyLedger,
  type Problem,
  type ProblemKind,
  type RequestTimeline,
  type VerifyDeps,
  type RecordedRead,
  type SubjectReads,
  type VerifyReport,
} from './verify';
export { renderHtmlReport } from './html-report';
