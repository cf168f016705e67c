import type { KeyObject } from 'node:crypto';

import { makeEvent, signAccessTask, type EventCodec, type LetheEvent } from '@lethe/events';
import { outboxRecords, type WireEnvelope } from '@lethe/eventstore';

import { ERASURE_EVENTS, taskTopicOf } from '../runtime/to-records';
import type { AccessEvent } from './model';

/** An access stream is one request of one subject: `<subjectId>/<requestId>`. */
export const accessStreamId = (subjectId: string, requestId: string) => `${subjectId}/${requestId}`;

export function parseAccessStreamId(streamId: string): { subjectId: string; requestId: string } {
  const slash = streamId.indexOf('/');
  return { subjectId: streamId.slice(0, slash), requestId: streamId.slice(slash + 1) };
}

/**
 * The access stream's events on the wire, keyed by the subject like its erasures: everything on
 * the erasure log (the audit trail, with no personal data), tasks on their participant's topic.
 */
export function accessRecords({
  codec,
  topicName,
  taskSigningKey,
}: {
  codec: EventCodec;
  topicName: (logical: string) => string;
  taskSigningKey: KeyObject;
}) {
  const records = outboxRecords<AccessEvent, LetheEvent>({
    encode: (wire) => codec.encode(wire),
    topicName,
    producer: 'erasure',
    toWires: (event, envelope) => {
      const wire = toWire(event, envelope, taskSigningKey);
      const topics =
        event.type === 'AccessTaskIssued'
          ? [ERASURE_EVENTS, taskTopicOf(event.data.participantId)]
          : [ERASURE_EVENTS];
      return [{ wire, topics }];
    },
  });
  return (streamId: string, events: readonly AccessEvent[], context: Parameters<typeof records>[2]) =>
    records(parseAccessStreamId(streamId).subjectId, events, context);
}

function toWire(event: AccessEvent, envelope: WireEnvelope, taskSigningKey: KeyObject): LetheEvent {
  switch (event.type) {
    case 'AccessRequested': {
      const { subjectId: _inTheEnvelope, answerBy: _inTheTasks, ...data } = event.data;
      return makeEvent('AccessRequested', envelope, { ...data, participants: [...data.participants] });
    }
    case 'AccessTaskIssued': {
      const { requestId, participantId, exportKey } = event.data;
      const task = { requestId, subjectId: envelope.subjectId, participantId, exportKey };
      // Signed at the event's time, so a re-publish after a crash carries the same signature.
      const signature = signAccessTask(taskSigningKey, task, envelope.occurredAt);
      return makeEvent('AccessTaskIssued', envelope, { ...event.data, signature });
    }
    case 'AccessTaskAnswered':
      // The log's copy: what was answered and the digest of what came, never the data.
      return makeEvent('AccessTaskAnswered', envelope, { ...event.data, sealedData: null });
    case 'AccessCompleted':
      return makeEvent('AccessCompleted', envelope, {
        ...event.data,
        outcomes: event.data.outcomes.map((o) => ({ ...o })),
      });
    case 'AccessPackageDeleted':
      return makeEvent('AccessPackageDeleted', envelope, event.data);
  }
}
