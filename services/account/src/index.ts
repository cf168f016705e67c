export { createAccountService, type AccountService, type AccountServiceDeps } from './service';
export { ACCOUNT_PARTICIPANT, CACHE_PARTICIPANT } from './erasure/erase-account';
export { ANONYMISATION_METHOD, USAGE_PARTICIPANT, USAGE_RECORDS, weekOf } from './usage/usage-records';
export { cacheKeys } from './cache/profile-cache';
export { ACCOUNT_EVENTS_TOPIC } from './events/to-records';
export { loadAccountConfig } from './config';
export { startIngestConsumer, type IngestConsumerDeps } from './ingest/ingest-consumer';
export { ACCOUNT_INGEST_TOPIC } from './ingest/ingest-command';
