export const LEDGER_TOPIC = 'lethe.audit.ledger.v1';

/** Every domain topic (DESIGN.md section 2); task topics repeat ErasureTaskIssued, DLQs hold copies. */
export const AUDITED_TOPICS = [
  'lethe.account.events.v1',
  'lethe.account.ingest.v1',
  'lethe.consent.events.v1',
  'lethe.retention.events.v1',
  'lethe.erasure.events.v1',
  'lethe.erasure.participants.v1',
  'lethe.access.events.v1',
] as const;

/** Audited topics that Kafka compacts: their superseded records leave the topic, not the ledger. */
export const COMPACTED_AUDITED_TOPICS = ['lethe.erasure.participants.v1'] as const;
