export { startAuditService, AUDIT_TIMELINE, type AuditService, type AuditServiceDeps } from './service';
export { AUDITED_TOPICS, LEDGER_TOPIC } from './ledger/writer';
export {
  verifyLedger,
  type Problem,
  type ProblemKind,
  type RequestTimeline,
  type VerifyReport,
} from './verify/verify';
export { renderHtmlReport } from './verify/html-report';
