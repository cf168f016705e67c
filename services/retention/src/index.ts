export {
  startRetentionService,
  RETENTION_STREAMS,
  type RetentionService,
  type RetentionServiceDeps,
} from './service';
export { loadPolicy, PolicyInvalid, SEED_POLICY_FILE, type RetentionPolicy } from './policy/policy';
export { loadRetentionConfig } from './config';
export { RETENTION_SCHEDULE_PARTICIPANT, retentionExport } from './retention/schedule-participant';
