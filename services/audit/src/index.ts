export { startAuditService, AUDIT_TIMELINE, type AuditService, type AuditServiceDeps } from './service';
export { loadAuditConfig } from './config';
