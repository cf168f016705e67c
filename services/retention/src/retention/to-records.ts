import { randomUUID } from 'node:crypto';

import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import type { CommandContext, OutboxRecord } from '@lethe/eventstore';

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
  return async (
    subjectId: string,
    events: readonly RetentionEvent[],
    context: CommandContext,
  ): Promise<OutboxRecord[]> => {
    const records: OutboxRecord[] = [];
    const now = context.now.getTime();
    for (const event of events) {
      const wires: { wire: LetheEvent; topic: string }[] = [];
      const envelope = () => ({
        eventId: randomUUID(),
        subjectId,
        correlationId: context.correlationId,
        causationId: context.causationId,
        producer: 'retention',
        occurredAt: now,
      });
      const onRetention = (wire: LetheEvent) => wires.push({ wire, topic: RETENTION_EVENTS_TOPIC });
      switch (event.type) {
        case 'SubjectSeen':
        case 'AccountErasureSeen':
        case 'PurposesGranted':
          break;
        case 'RetentionClockStarted': {
          const { clock, policyVersion, startedAt, expiresAt } = event.data;
          onRetention(
            makeEvent('RetentionClockStarted', envelope(), { clock, policyVersion, startedAt, expiresAt }),
          );
          break;
        }
        case 'RetentionClockReset': {
          const { clock, policyVersion, startedAt, expiresAt } = event.data;
          onRetention(
            makeEvent('RetentionClockReset', envelope(), {
              clock,
              policyVersion,
              resetAt: startedAt,
              expiresAt,
            }),
          );
          break;
        }
        case 'RetentionClockStopped':
          onRetention(makeEvent('RetentionClockStopped', envelope(), event.data));
          break;
        case 'RetentionExpiryNoticed':
          onRetention(makeEvent('RetentionExpiryNoticed', envelope(), event.data));
          break;
        case 'RetentionExpired': {
          const { clock, policyVersion, expiredAt, scope, reason } = event.data;
          onRetention(
            makeEvent('RetentionExpired', envelope(), {
              clock,
              policyVersion,
              expiredAt,
              scope: { all: scope.all, categories: [...scope.categories] },
              reason,
            }),
          );
          break;
        }
        case 'LegalHoldPlaced': {
          const { holdId, reference, reason, placedBy, until } = event.data;
          onRetention(
            makeEvent('LegalHoldPlaced', envelope(), { holdId, reference, reason, placedBy, until }),
          );
          break;
        }
        case 'LegalHoldReleased':
          onRetention(makeEvent('LegalHoldReleased', envelope(), event.data));
          break;
      }
      for (const { wire, topic } of wires)
        records.push({
          eventId: wire.envelope.eventId,
          topic: topicName(topic),
          key: subjectId,
          value: await codec.encode(wire),
          headers: { 'lethe.event-id': wire.envelope.eventId, 'lethe.event-type': wire.envelope.type },
        });
    }
    return records;
  };
}
