import { isEventOfType, type EventCodec, type EventOf } from '@lethe/events';
import { SUBJECTS_CONSUMED_CONCURRENTLY, type KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';

import type { LegalRetentionTerm } from '../llm/provider-retention-store';
import { reactToAccountEvent, reactToRetentionEvent, reactToTaskAnswer } from '../reactions';
import type { Registration } from '../request/model';
import type { RequestIntake } from './request-intake';
import { ANSWERS_TOPIC } from '@lethe/participant';

export const RETENTION_EVENTS = 'lethe.retention.events.v1';
export const ACCOUNT_EVENTS = 'lethe.account.events.v1';
export const CONSENT_EVENTS = 'lethe.consent.events.v1';
export const ACCESS_EVENTS = 'lethe.access.events.v1';

/** The consumer groups, named through topicName: an isolated copy of the system has its own. */
export const requestGroups = (topicName: (logical: string) => string) => ({
  holds: topicName('lethe.erasure.holds'),
  orchestrator: topicName('lethe.erasure.orchestrator'),
});

export interface RequestConsumers {
  /** Whether either consumer is stuck on a failure it keeps retrying. */
  stalled(): boolean;
  stop(): Promise<void>;
}

/**
 * The two logs the erasure service reacts to. Holds and expiries: one ordered partition per
 * subject on the retention log, committed after each effect (the intake's barrier reads these
 * commits). Deletions and the participants' answers: the account log and the answers topic.
 */
export async function startRequestConsumers(deps: {
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  topicName: (logical: string) => string;
  intake: RequestIntake;
  participants: () => readonly Registration[];
  /** The retention policy's LLM provider retention, as each activated policy version says. */
  learnProviderRetention: (retentionMs: number, policyVersion: string) => Promise<void>;
  /** What erasures keep under a legal obligation, as each activated policy version says. */
  learnLegalRetention: (terms: readonly LegalRetentionTerm[], policyVersion: string) => Promise<void>;
  /** An answer to an access request's export task (access requests share the answers topic). */
  onAccessAnswer: (event: EventOf<'AccessTaskAnswered'>) => Promise<void>;
  now: () => Date;
}): Promise<RequestConsumers> {
  const { kafka, codec, logger, topicName, intake, now } = deps;
  const groups = requestGroups(topicName);
  const holds = await kafka.runEventConsumer({
    codec,
    logger,
    groupId: groups.holds,
    topics: [topicName(RETENTION_EVENTS)],
    // Each subject's erasure stream on its own; a policy activation (unkeyed) runs alone.
    keysConsumedConcurrently: SUBJECTS_CONSUMED_CONCURRENTLY,
    handle: async (event) => {
      if (isEventOfType(event, 'PolicyVersionActivated')) {
        if (event.data.llmProviderRetentionMs !== null)
          await deps.learnProviderRetention(event.data.llmProviderRetentionMs, event.data.policyVersion);
        await deps.learnLegalRetention(event.data.legalRetention, event.data.policyVersion);
      }
      await intake.run(reactToRetentionEvent(event, now(), deps.participants), event, true);
    },
  });
  const answers = await kafka.runEventConsumer({
    codec,
    logger,
    groupId: groups.orchestrator,
    topics: [topicName(ACCOUNT_EVENTS), topicName(ANSWERS_TOPIC)],
    keysConsumedConcurrently: SUBJECTS_CONSUMED_CONCURRENTLY,
    handle: (event) =>
      isEventOfType(event, 'AccessTaskAnswered')
        ? deps.onAccessAnswer(event)
        : intake.run(reactToAccountEvent(event) ?? reactToTaskAnswer(event, now()), event, false),
  });
  return {
    stalled: () => holds.stalled() || answers.stalled(),
    async stop() {
      await holds.stop();
      await answers.stop();
    },
  };
}
