import type { FieldCipher } from '@lethe/crypto';
import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import { outboxRecords, type WireEnvelope } from '@lethe/eventstore';

import type { AccountEvent } from '../account/model';

export const ACCOUNT_EVENTS_TOPIC = 'lethe.account.events.v1';
const PRODUCER = 'account';

export interface AccountRecordsDeps {
  codec: EventCodec;
  cipher: FieldCipher;
  /** The physical topic (tests give each file its own). */
  topic?: string;
}

/**
 * Turns domain events into wire events: every personal field sealed under the subject's key,
 * bound to this topic, this event and this field, then Avro through the registry.
 */
export function accountRecords({ codec, cipher, topic = ACCOUNT_EVENTS_TOPIC }: AccountRecordsDeps) {
  return outboxRecords<AccountEvent, LetheEvent>({
    encode: (wire) => codec.encode(wire),
    topicName: () => topic,
    producer: PRODUCER,
    toWires: async (event, envelope) => [
      { wire: await toWire(cipher, event, envelope), topics: [ACCOUNT_EVENTS_TOPIC] },
    ],
  });
}

async function toWire(cipher: FieldCipher, event: AccountEvent, envelope: WireEnvelope): Promise<LetheEvent> {
  const { subjectId, eventId } = envelope;
  const seal = (field: string, value: string) =>
    cipher.encrypt({ subjectId, context: ACCOUNT_EVENTS_TOPIC, recordId: eventId, field }, value);
  const sealOptional = async (field: string, value: string | null | undefined) =>
    value === null || value === undefined ? null : seal(field, value);
  switch (event.type) {
    case 'AccountCreated':
      return makeEvent('AccountCreated', envelope, {
        email: await seal('email', event.data.email),
        name: await seal('name', event.data.name),
        phone: await sealOptional('phone', event.data.phone),
        timezone: await sealOptional('timezone', event.data.timezone),
        source: event.data.source,
      });
    case 'AccountProfileUpdated':
      return makeEvent('AccountProfileUpdated', envelope, {
        email: await sealOptional('email', event.data.email),
        name: await sealOptional('name', event.data.name),
        phone: await sealOptional('phone', event.data.phone),
        timezone: await sealOptional('timezone', event.data.timezone),
      });
    case 'AccountActivityRecorded':
      return makeEvent('AccountActivityRecorded', envelope, event.data);
    case 'AccountDeactivated':
      return makeEvent('AccountDeactivated', envelope, event.data);
    case 'AccountReactivated':
      return makeEvent('AccountReactivated', envelope, event.data);
    case 'AccountDeletionRequested':
      return makeEvent('AccountDeletionRequested', envelope, event.data);
    case 'AccountErased':
      return makeEvent('AccountErased', envelope, event.data);
  }
}
