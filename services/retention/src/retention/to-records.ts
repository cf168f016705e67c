import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import { outboxRecords, type WireEnvelope } from '@lethe/eventstore';

import type { RetentionEvent } from './model';

export const RETENTION_EVENTS_TOPIC = 'lethe.retention.events.v1';

/**
 * Retention's events on the wire, all on the retention log. An expiry is RetentionExpired with
 * the scope and reason of the erasure it calls for; the erasure service alone turns it into an
 * ErasureRequested. What only the stream needs (subject seen, purposes granted) stays in it.
 */
export function retentionRecords({
  codec,
  topicName,
}: {
  codec: EventCodec;
  topicName: (logical: string) => string;
}) {
  return outboxRecords<RetentionEvent, LetheEvent>({
    encode: (wire) => codec.encode(wire),
    topicName,
    producer: 'retention',
    toWires: (event, envelope) => {
      const wire = toWire(event, envelope);
      return wire ? [{ wire, topics: [RETENTION_EVENTS_TOPIC] }] : [];
    },
  });
}

function toWire(event: RetentionEvent, envelope: WireEnvelope): LetheEvent | undefined {
  switch (event.type) {
    case 'SubjectSeen':
    case 'AccountErasureSeen':
    case 'PurposesGranted':
      return undefined;
    case 'RetentionClockStarted': {
      const { clock, policyVersion, startedAt, expiresAt } = event.data;
      return makeEvent('RetentionClockStarted', envelope, { clock, policyVersion, startedAt, expiresAt });
    }
    case 'RetentionClockReset': {
      const { clock, policyVersion, startedAt, expiresAt } = event.data;
      return makeEvent('RetentionClockReset', envelope, {
        clock,
        policyVersion,
        resetAt: startedAt,
        expiresAt,
      });
    }
    case 'RetentionClockStopped':
      return makeEvent('RetentionClockStopped', envelope, event.data);
    case 'RetentionExpiryNoticed':
      return makeEvent('RetentionExpiryNoticed', envelope, event.data);
    case 'RetentionExpired': {
      const { clock, policyVersion, expiredAt, scope, reason } = event.data;
      const wireScope = { all: scope.all, categories: [...scope.categories], keep: [...scope.keep] };
      return makeEvent('RetentionExpired', envelope, {
        clock,
        policyVersion,
        expiredAt,
        scope: wireScope,
        reason,
      });
    }
    case 'LegalHoldPlaced': {
      const { holdId, sealed, placedBy, until } = event.data;
      return makeEvent('LegalHoldPlaced', envelope, {
        holdId,
        reference: null,
        reason: null,
        sealedReference: Buffer.from(sealed.reference, 'base64'),
        sealedReason: Buffer.from(sealed.reason, 'base64'),
        placedBy,
        until,
      });
    }
    case 'LegalHoldReleased':
      return makeEvent('LegalHoldReleased', envelope, event.data);
  }
}
