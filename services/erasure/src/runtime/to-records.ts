import { randomUUID } from 'node:crypto';

import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import type { CommandContext, OutboxRecord } from '@lethe/eventstore';

import type { ErasureEvent } from '../request/model';

export const ERASURE_EVENTS = 'lethe.erasure.events.v1';
export const taskTopicOf = (participantId: string) => `lethe.erasure.tasks.${participantId}.v1`;

/**
 * The erasure stream's events on the wire. A task goes both to the erasure log (the audit trail)
 * and to its participant's task topic (its work queue). TaskOutcomeRecorded stays in the
 * stream: the participant's own answer is already on the log.
 */
export function erasureRecords({
  codec,
  topicName,
}: {
  codec: EventCodec;
  topicName: (logical: string) => string;
}) {
  return async (
    subjectId: string,
    events: readonly ErasureEvent[],
    context: CommandContext,
  ): Promise<OutboxRecord[]> => {
    const records: OutboxRecord[] = [];
    for (const event of events) {
      const eventId = randomUUID();
      const envelope = {
        eventId,
        subjectId,
        correlationId: context.correlationId,
        causationId: context.causationId,
        producer: 'erasure',
        occurredAt: context.now.getTime(),
      };
      const wires: { wire: LetheEvent; topics: string[] }[] = [];
      switch (event.type) {
        case 'ErasureRequested': {
          const { subjectId: _subject, scope, ...rest } = event.data;
          wires.push({
            wire: makeEvent('ErasureRequested', envelope, {
              ...rest,
              scope: { all: scope.all, categories: [...scope.categories] },
            }),
            topics: [ERASURE_EVENTS],
          });
          break;
        }
        case 'ErasurePlanned':
          wires.push({
            wire: makeEvent('ErasurePlanned', envelope, {
              requestId: event.data.requestId,
              tasks: event.data.tasks.map((t) => ({
                participantId: t.participantId,
                phase: t.phase,
                categories: [...t.categories],
              })),
            }),
            topics: [ERASURE_EVENTS],
          });
          break;
        case 'ErasureTaskIssued': {
          const { scope, ...rest } = event.data;
          const wire = makeEvent('ErasureTaskIssued', envelope, {
            ...rest,
            scope: { all: scope.all, categories: [...scope.categories] },
          });
          wires.push({ wire, topics: [ERASURE_EVENTS, taskTopicOf(event.data.participantId)] });
          break;
        }
        case 'TaskOutcomeRecorded':
        case 'HoldPlaced':
        case 'HoldReleased':
          break;
        case 'ErasureBlocked':
          wires.push({
            wire: makeEvent('ErasureBlocked', envelope, {
              requestId: event.data.requestId,
              holdIds: [...event.data.holdIds],
            }),
            topics: [ERASURE_EVENTS],
          });
          break;
        case 'ErasureDeadlineAtRisk':
          wires.push({
            wire: makeEvent('ErasureDeadlineAtRisk', envelope, {
              ...event.data,
              openParticipants: [...event.data.openParticipants],
            }),
            topics: [ERASURE_EVENTS],
          });
          break;
        case 'ErasureCompleted':
          wires.push({
            wire: makeEvent('ErasureCompleted', envelope, {
              requestId: event.data.requestId,
              result: event.data.result,
              outcomes: event.data.outcomes.map((o) => ({ ...o, counts: { ...o.counts } })),
              certificate: event.data.certificate,
            }),
            topics: [ERASURE_EVENTS],
          });
          break;
      }
      for (const { wire, topics } of wires) {
        const value = await codec.encode(wire);
        for (const topic of topics) {
          records.push({
            eventId,
            topic: topicName(topic),
            key: subjectId,
            value,
            headers: { 'lethe.event-id': eventId, 'lethe.event-type': wire.envelope.type },
          });
        }
      }
    }
    return records;
  };
}
