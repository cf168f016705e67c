export { createAccountService, type AccountService, type AccountServiceDeps } from './service';
export { ACCOUNT_PARTICIPANT } from './erasure/erase-account';
export { ACCOUNT_EVENTS_TOPIC } from './events/to-records';
