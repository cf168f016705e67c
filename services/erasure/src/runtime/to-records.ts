import type { KeyObject } from 'node:crypto';

import { makeEvent, signTask, type EventCodec, type LetheEvent } from '@lethe/events';
import { outboxRecords, type WireEnvelope } from '@lethe/eventstore';

import type { ErasureEvent, ErasureScope, TaskAnswer } from '../request/model';

export const ERASURE_EVENTS = 'lethe.erasure.events.v1';
export const taskTopicOf = (participantId: string) => `lethe.erasure.tasks.${participantId}.v1`;

/**
 * The erasure stream's events on the wire. A task goes both to the erasure log (the audit trail)
 * and to its participant's task topic (its work queue). An accepted answer goes to the log as
 * the participant gave it; TaskOutcomeRecorded (what the service made of it) stays in the stream.
 */
export function erasureRecords({
  codec,
  topicName,
  taskSigningKey,
}: {
  codec: EventCodec;
  topicName: (logical: string) => string;
  /** Signs every task, so participants can tell the erasure service's tasks from forgeries. */
  taskSigningKey: KeyObject;
}) {
  return outboxRecords<ErasureEvent, LetheEvent>({
    encode: (wire) => codec.encode(wire),
    topicName,
    producer: 'erasure',
    toWires: (event, envelope) => {
      const wire = toWire(event, envelope, taskSigningKey);
      if (!wire) return [];
      const topics =
        event.type === 'ErasureTaskIssued'
          ? [ERASURE_EVENTS, taskTopicOf(event.data.participantId)]
          : [ERASURE_EVENTS];
      return [{ wire, topics }];
    },
  });
}

const wireScope = (scope: ErasureScope) => ({
  all: scope.all,
  categories: [...scope.categories],
  keep: [...(scope.keep ?? [])],
});

function toWire(
  event: ErasureEvent,
  envelope: WireEnvelope,
  taskSigningKey: KeyObject,
): LetheEvent | undefined {
  switch (event.type) {
    case 'ErasureRequested': {
      const {
        subjectId: _subject,
        scope,
        legalRetention: _onTheRetentionLog,
        extensions: _none,
        traceparent: _inTheHeaders,
        ...rest
      } = event.data;
      return makeEvent('ErasureRequested', envelope, { ...rest, scope: wireScope(scope) });
    }
    case 'ErasurePlanned':
      return makeEvent('ErasurePlanned', envelope, {
        requestId: event.data.requestId,
        tasks: event.data.tasks.map((t) => ({
          participantId: t.participantId,
          phase: t.phase,
          categories: [...t.categories],
        })),
      });
    case 'ErasureTaskIssued': {
      const { scope, ...rest } = event.data;
      const task = { ...rest, subjectId: envelope.subjectId, scope: wireScope(scope) };
      // Issued at the event's time, so a re-publish after a crash carries the same signature.
      const signature = signTask(taskSigningKey, task, envelope.occurredAt);
      return makeEvent('ErasureTaskIssued', envelope, { ...rest, scope: wireScope(scope), signature });
    }
    case 'TaskAnswerAccepted':
      return answerWire(event.data, envelope);
    case 'TaskOutcomeRecorded':
    case 'HoldPlaced':
    case 'HoldReleased':
      return undefined;
    case 'ErasureBlocked':
      return makeEvent('ErasureBlocked', envelope, {
        requestId: event.data.requestId,
        holdIds: [...event.data.holdIds],
      });
    case 'ErasureDeadlineAtRisk':
      return makeEvent('ErasureDeadlineAtRisk', envelope, {
        ...event.data,
        openParticipants: [...event.data.openParticipants],
      });
    case 'ErasureDeadlineExtended': {
      const { extendedAt: _inTheEnvelope, ...data } = event.data;
      return makeEvent('ErasureDeadlineExtended', envelope, data);
    }
    case 'ErasureTaskRetried':
      return makeEvent('ErasureTaskRetried', envelope, event.data);
    case 'ProviderRetentionElapsed':
      return makeEvent('ProviderRetentionElapsed', envelope, event.data);
    case 'ErasureCompleted':
      return makeEvent('ErasureCompleted', envelope, {
        requestId: event.data.requestId,
        result: event.data.result,
        outcomes: event.data.outcomes.map((o) => ({ ...o, counts: { ...o.counts } })),
        certificate: event.data.certificate,
      });
  }
}

function answerWire(answer: TaskAnswer, envelope: WireEnvelope): LetheEvent {
  const { requestId, participantId, attempt, completed, failed } = answer;
  if (completed)
    return makeEvent('ErasureTaskCompleted', envelope, {
      requestId,
      participantId,
      attempt,
      ...completed,
      counts: { ...completed.counts },
    });
  return makeEvent('ErasureTaskFailed', envelope, {
    requestId,
    participantId,
    attempt,
    retriable: failed?.retriable ?? false,
    code: failed?.code ?? 'UNKNOWN',
  });
}
