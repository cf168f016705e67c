import { makeEvent } from '@lethe/events';
import type { EventProducer } from '@lethe/kafka';

// Reads of personal data are ledgered like changes (the policy's "only authorised callers can
// reach it" must be provable after the fact): a route whose answer carries a subject's personal
// data says so in its access config, and the app records each successful answer before it
// leaves. A read that cannot be recorded is not answered.

/** One answer that carried a subject's personal data. */
export interface PersonalDataAccess {
  readonly subjectId: string;
  /** The token's `sub`: a person or a service. */
  readonly actor: string;
  readonly actorScopes: readonly string[];
  /** `GET /v1/accounts/:subjectId`: the method and the route pattern, never the path as sent. */
  readonly operation: string;
  readonly fields: readonly string[];
  readonly purpose: string | null;
  readonly at: number;
  /** The request's id, so the read can be found beside the access log line. */
  readonly correlationId: string;
}

export type AccessRecorder = (access: PersonalDataAccess) => Promise<void>;

/** The header a caller states its purpose in; a short lowercase token, else it is not recorded. */
export const PURPOSE_HEADER = 'lethe-purpose';
const PURPOSE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function statedPurpose(header: string | string[] | undefined): string | null {
  return typeof header === 'string' && PURPOSE.test(header) ? header : null;
}

/**
 * Records each read as a PersonalDataAccessed on lethe.access.events.v1, keyed by subject, and
 * resolves once the brokers in sync have it (acks=all), before the answer is sent.
 */
export function accessRecorderOn(producer: EventProducer, service: string): AccessRecorder {
  return async (access) => {
    const event = makeEvent(
      'PersonalDataAccessed',
      {
        subjectId: access.subjectId,
        correlationId: access.correlationId,
        producer: service,
        occurredAt: access.at,
      },
      {
        actor: access.actor,
        actorScopes: [...access.actorScopes],
        service,
        operation: access.operation,
        fields: [...access.fields],
        purpose: access.purpose,
      },
    );
    await producer.publish([{ event }]);
  };
}
