import { randomUUID } from 'node:crypto';

import type { FieldCipher } from '@lethe/crypto';
import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import type { CommandContext, OutboxRecord } from '@lethe/eventstore';

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
  return async (
    subjectId: string,
    events: readonly AccountEvent[],
    context: CommandContext,
  ): Promise<OutboxRecord[]> => {
    const records: OutboxRecord[] = [];
    for (const event of events) {
      const eventId = randomUUID();
      const seal = (field: string, value: string) =>
        cipher.encrypt({ subjectId, context: ACCOUNT_EVENTS_TOPIC, recordId: eventId, field }, value);
      const sealOptional = async (field: string, value: string | null | undefined) =>
        value === null || value === undefined ? null : seal(field, value);
      const envelope = {
        eventId,
        subjectId,
        correlationId: context.correlationId,
        causationId: context.causationId,
        producer: PRODUCER,
        occurredAt: context.now.getTime(),
      };
      let wire: LetheEvent;
      switch (event.type) {
        case 'AccountCreated':
          wire = makeEvent('AccountCreated', envelope, {
            email: await seal('email', event.data.email),
            name: await seal('name', event.data.name),
            phone: await sealOptional('phone', event.data.phone),
            timezone: await sealOptional('timezone', event.data.timezone),
            source: event.data.source,
          });
          break;
        case 'AccountProfileUpdated':
          wire = makeEvent('AccountProfileUpdated', envelope, {
            email: await sealOptional('email', event.data.email),
            name: await sealOptional('name', event.data.name),
            phone: await sealOptional('phone', event.data.phone),
            timezone: await sealOptional('timezone', event.data.timezone),
          });
          break;
        case 'AccountActivityRecorded':
          wire = makeEvent('AccountActivityRecorded', envelope, event.data);
          break;
        case 'AccountDeactivated':
          wire = makeEvent('AccountDeactivated', envelope, event.data);
          break;
        case 'AccountReactivated':
          wire = makeEvent('AccountReactivated', envelope, event.data);
          break;
        case 'AccountDeletionRequested':
          wire = makeEvent('AccountDeletionRequested', envelope, event.data);
          break;
        case 'AccountErased':
          wire = makeEvent('AccountErased', envelope, event.data);
          break;
      }
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
