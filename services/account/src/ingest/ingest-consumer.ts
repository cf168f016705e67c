import type { KeyObject } from 'node:crypto';

import { legacySealingAccepted, openSealedField } from '@lethe/crypto';
import type { EventCodec } from '@lethe/events';
import type { ConsumerRunner, KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';

import type { UsageInput } from '../usage/usage-records';
import { ACCOUNT_INGEST_TOPIC, ingestCommand, usageOf, type IngestCommand } from './ingest-command';

export interface IngestConsumerDeps {
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  /** The account service's X25519 private key: senders seal personal fields to its public half. */
  sealingKey: KeyObject;
  /** Until when fields sealed in the pre-HPKE format still open. */
  legacySealingUntil: Date;
  /** The command handler the HTTP routes use too. */
  handle: (
    subjectId: string,
    command: IngestCommand['command'],
    context: IngestCommand['context'],
  ) => Promise<unknown>;
  /** Keeps a usage record (UsageSeen): analytics, not an account command. */
  recordUsage: (usage: UsageInput) => Promise<void>;
  now: () => Date;
  topicName?: (logicalTopic: string) => string;
}

/**
 * Folds what other services emit on the ingest topic exactly like the matching HTTP command. A
 * record that does not decode, does not open, breaks a rule or is refused by the account (say, a
 * profile change for an erased subject) goes to `lethe.account.ingest.v1.dlq` with its reason; a
 * failure of our own stores is retried. Offsets are committed after the command is stored.
 */
export function startIngestConsumer(deps: IngestConsumerDeps): Promise<ConsumerRunner> {
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const openField = (subjectId: string, eventId: string, field: string, sealed: Buffer) =>
    openSealedField(
      deps.sealingKey,
      { subjectId, context: ACCOUNT_INGEST_TOPIC, recordId: eventId, field },
      sealed,
      { acceptLegacy: legacySealingAccepted(deps.now(), deps.legacySealingUntil) },
    );
  return deps.kafka.runEventConsumer({
    groupId: topicName('lethe.account.ingest'),
    topics: [topicName(ACCOUNT_INGEST_TOPIC)],
    codec: deps.codec,
    logger: deps.logger,
    handle: async (event) => {
      const usage = usageOf(event, openField, deps.now());
      if (usage) return deps.recordUsage(usage);
      const { subjectId, command, context } = ingestCommand(event, openField, deps.now());
      await deps.handle(subjectId, command, context);
    },
  });
}
