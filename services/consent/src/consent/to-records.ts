import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import { outboxRecords } from '@lethe/eventstore';

import type { ConsentEvent } from './model';

export const CONSENT_EVENTS_TOPIC = 'lethe.consent.events.v1';

/** Consent decisions on the wire, dated when they were made; ConsentLedgerClosed stays in the stream. */
export function consentRecords({
  codec,
  topic = CONSENT_EVENTS_TOPIC,
}: {
  codec: EventCodec;
  topic?: string;
}) {
  return outboxRecords<ConsentEvent, LetheEvent>({
    encode: (wire) => codec.encode(wire),
    topicName: () => topic,
    producer: 'consent',
    toWires: (event, envelope) => {
      if (event.type === 'ConsentLedgerClosed') return [];
      const { at, granted: _granted, ...data } = event.data;
      const dated = { ...envelope, occurredAt: at };
      const wire =
        event.type === 'ConsentGranted'
          ? makeEvent('ConsentGranted', dated, data)
          : makeEvent('ConsentWithdrawn', dated, data);
      return [{ wire, topics: [CONSENT_EVENTS_TOPIC] }];
    },
  });
}
