// What the erasure service does with each event it reads: pure, event in, command (or a new
// request) or nothing out. The service runs them; the tests call them directly.
import { isEventOfType, requestIdFrom, type LetheEvent } from '@lethe/events';

import type { ErasureCommand, ErasureScope, Registration } from './request/model';

/** A request to erase a subject, from HTTP or from an event that asks for one. */
export interface RequestErasureInput {
  readonly subjectId: string;
  readonly requestId?: string;
  readonly scope?: ErasureScope;
  readonly reason: string;
  readonly regulation: string | null;
  readonly causationId?: string | null;
}

export type Reaction =
  | { readonly kind: 'request'; readonly input: RequestErasureInput }
  | { readonly kind: 'command'; readonly subjectId: string; readonly command: ErasureCommand };

/**
 * The retention log: legal holds, and the expiries that call for an erasure. Both arrive on one
 * ordered partition per subject, so a hold placed before an expiry always meets it.
 */
export function reactToRetentionEvent(
  event: LetheEvent,
  now: Date,
  participants: () => readonly Registration[],
): Reaction | undefined {
  const subjectId = event.envelope.subjectId;
  if (!subjectId) return undefined;
  const metadata = { now };
  if (isEventOfType(event, 'LegalHoldPlaced'))
    return {
      kind: 'command',
      subjectId,
      command: { type: 'PlaceHold', data: { holdId: event.data.holdId }, metadata },
    };
  if (isEventOfType(event, 'LegalHoldReleased'))
    return {
      kind: 'command',
      subjectId,
      command: {
        type: 'ReleaseHold',
        data: { holdId: event.data.holdId, participants: participants() },
        metadata,
      },
    };
  if (isEventOfType(event, 'RetentionExpired'))
    return {
      kind: 'request',
      input: {
        subjectId,
        // Derived from the expiry, so the same expiry delivered twice asks for the same erasure.
        requestId: requestIdFrom(event.envelope.eventId),
        scope: event.data.scope,
        reason: event.data.reason,
        regulation: null,
        causationId: event.envelope.eventId,
      },
    };
  return undefined;
}

/** The account log: a self-service deletion asks for the erasure of the whole account. */
export function reactToAccountEvent(event: LetheEvent): Reaction | undefined {
  const subjectId = event.envelope.subjectId;
  if (!subjectId || !isEventOfType(event, 'AccountDeletionRequested')) return undefined;
  return {
    kind: 'request',
    input: {
      subjectId,
      requestId: event.data.requestId,
      reason: 'user-request',
      regulation: event.data.regulation,
      causationId: event.envelope.eventId,
    },
  };
}

/** The erasure log: the participants' answers to their tasks. */
export function reactToTaskAnswer(event: LetheEvent, now: Date): Reaction | undefined {
  const subjectId = event.envelope.subjectId;
  if (!subjectId) return undefined;
  if (isEventOfType(event, 'ErasureTaskCompleted')) {
    const {
      requestId,
      participantId,
      attempt,
      outcome,
      counts,
      verifiedEmpty,
      evidenceDigest,
      retainedUntil,
    } = event.data;
    return {
      kind: 'command',
      subjectId,
      command: {
        type: 'RecordTaskOutcome',
        data: {
          requestId,
          participantId,
          attempt,
          completed: { outcome, counts, verifiedEmpty, evidenceDigest, retainedUntil },
          failed: null,
        },
        metadata: { now },
      },
    };
  }
  if (isEventOfType(event, 'ErasureTaskFailed')) {
    const { requestId, participantId, attempt, retriable, code } = event.data;
    return {
      kind: 'command',
      subjectId,
      command: {
        type: 'RecordTaskOutcome',
        data: { requestId, participantId, attempt, completed: null, failed: { retriable, code } },
        metadata: { now },
      },
    };
  }
  return undefined;
}
