export {
  createConsentService,
  CONSENT_STREAMS,
  type ConsentService,
  type ConsentServiceDeps,
} from './service';
export { CONSENT_PARTICIPANT } from './erasure/erase-consent';
export { CONSENT_EVENTS_TOPIC } from './consent/to-records';
export { loadPurposes, type Purpose } from './consent/purposes';
export { consentKey } from './read-model/consent-cache';
export { loadConsentConfig } from './config';
