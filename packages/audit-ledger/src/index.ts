// The ledger's format, written by the audit service and checked by anyone who replays it.
export {
  checkpointValid,
  entryHashOf,
  entryLeaf,
  GENESIS_HASH,
  hashText,
  nextEntry,
  recordDigest,
  signCheckpoint,
  type ChainEntry,
  type EventRef,
  type TreeHead,
} from './chain';
export {
  consistencyProof,
  inclusionProof,
  leafHash,
  MerkleFrontier,
  nodeHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from './merkle';
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
export {
  erasureCertificate,
  subjectWasKnown,
  type CertifiedOutcome,
  type CertifiedRequest,
  type RetainedUnderLaw,
} from './certificate';
export { checkReceipt, proveErasure, receiptFrom, type ErasureReceipt } from './receipt';
export {
  checkConsistency,
  consistencyProofBetween,
  latestTreeHead,
  proveConsistency,
  type ConsistencyProof,
} from './consistency';
export { readLedgerTree, treeHeadRefused, type SignedTreeHead } from './ledger-tree';
