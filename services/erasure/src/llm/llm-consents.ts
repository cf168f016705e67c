import { createHash } from 'node:crypto';

import type { Db } from 'mongodb';

import { isEventOfType, makeEvent, type LetheEvent } from '@lethe/events';
import type { ConsumedBarrier, EventProducer } from '@lethe/kafka';

// Whether a subject has granted the consent purpose that covers sending its data to an LLM
// provider (LETHE_LLM_CONSENT_PURPOSE, `llm-processing` by default), folded from the consent log.
// A disclosure is a fact the caller reports after the data left, so it is never refused: one
// without the consent is recorded like any other (its provider retention is tracked) and is also
// put on the audited access log as LlmDisclosedWithoutConsent.
export const LLM_CONSENTS = 'llm_consents';

interface LlmConsentDocument {
  _id: string; // subjectId
  granted: boolean;
  /** When the deciding event occurred: an older event delivered late never overrides it. */
  at: number;
}

export function llmConsents(db: Db, purpose: string) {
  const consents = db.collection<LlmConsentDocument>(LLM_CONSENTS);
  return {
    purpose,
    /** Folds one consent event (the consent log's consumer). */
    async observe(event: LetheEvent): Promise<void> {
      const subjectId = event.envelope.subjectId;
      const granted = isEventOfType(event, 'ConsentGranted');
      if (!subjectId || (!granted && !isEventOfType(event, 'ConsentWithdrawn'))) return;
      if ((event.data as { purpose: string }).purpose !== purpose) return;
      const at = event.envelope.occurredAt;
      await consents
        .updateOne(
          { _id: subjectId, $or: [{ at: { $lte: at } }, { at: { $exists: false } }] },
          { $set: { granted, at } },
          { upsert: true },
        )
        .catch((error: unknown) => {
          // A newer decision is stored: the upsert's insert collides with it, and it stands.
          if ((error as { code?: unknown }).code !== 11000) throw error;
        });
    },
    async granted(subjectId: string): Promise<boolean> {
      return (await consents.findOne({ _id: subjectId }))?.granted === true;
    },
  };
}

/** A UUID-shaped id that is the same for the same text (a name-based id, RFC 9562 layout). */
function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface DisclosureConsentCheckDeps {
  consents: ReturnType<typeof llmConsents>;
  /** The consent log's consumer has applied everything on the subject's partition. */
  consentsRead: ConsumedBarrier;
  producer: EventProducer;
  accessTopic: string;
  now: () => Date;
}

/**
 * After a disclosure is recorded: whether the subject had granted the purpose, and if not, the
 * violation on the access log. Its event id is the disclosure's, so a retried report (the same
 * Idempotency-Key) ledgers one violation.
 */
export function checkDisclosureConsent(deps: DisclosureConsentCheckDeps) {
  return async (disclosure: {
    disclosureId: string;
    subjectId: string;
    provider: string;
    sentAt: Date;
    reportedBy: string;
  }): Promise<boolean> => {
    await deps.consentsRead.passed(disclosure.subjectId);
    if (await deps.consents.granted(disclosure.subjectId)) return true;
    const event = makeEvent(
      'LlmDisclosedWithoutConsent',
      {
        eventId: uuidFrom(`lethe.llm-violation|${disclosure.disclosureId}`),
        subjectId: disclosure.subjectId,
        correlationId: disclosure.disclosureId,
        producer: 'erasure',
        occurredAt: deps.now().getTime(),
      },
      {
        disclosureId: disclosure.disclosureId,
        provider: disclosure.provider,
        sentAt: disclosure.sentAt.getTime(),
        consentPurpose: deps.consents.purpose,
        reportedBy: disclosure.reportedBy,
      },
    );
    await deps.producer.publish([{ event, topic: deps.accessTopic }]);
    return false;
  };
}
