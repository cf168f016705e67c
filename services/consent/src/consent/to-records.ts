import { randomUUID } from 'node:crypto';

import { makeEvent, type EventCodec } from '@lethe/events';
import type { CommandContext, OutboxRecord } from '@lethe/eventstore';

import type { ConsentEvent } from './model';

export const CONSENT_EVENTS_TOPIC = 'lethe.consent.events.v1';

/** Consent decisions on the wire; ConsentLedgerClosed stays in the stream. */
export function consentRecords({
  codec,
  topic = CONSENT_EVENTS_TOPIC,
}: {
  codec: EventCodec;
  topic?: string;
}) {
  return async (
    subjectId: string,
    events: readonly ConsentEvent[],
    context: CommandContext,
  ): Promise<OutboxRecord[]> => {
    const records: OutboxRecord[] = [];
    for (const event of events) {
      if (event.type === 'ConsentLedgerClosed') continue;
      const eventId = randomUUID();
      const { at, granted: _granted, ...data } = event.data;
      const envelope = {
        eventId,
        subjectId,
        correlationId: context.correlationId,
        causationId: context.causationId,
        producer: 'consent',
        occurredAt: at,
      };
      const wire =
        event.type === 'ConsentGranted'
          ? makeEvent('ConsentGranted', envelope, data)
          : makeEvent('ConsentWithdrawn', envelope, data);
      records.push({
        eventId,
        topic,
        key: subjectId,
        value: await codec.encode(wire),
        headers: { 'lethe.event-id': eventId, 'lethe.event-type': event.type },
      });
    }
    return records;
  };
}
