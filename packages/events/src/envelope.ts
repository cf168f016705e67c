import { randomUUID } from 'node:crypto';

import type { EventType, LetheEvent } from './generated/types';
import { SCHEMA_VERSION_OF_EVENT_TYPE, TOPIC_OF_EVENT_TYPE } from './generated/types';

export interface EnvelopeInput {
  subjectId: string | null;
  correlationId: string;
  causationId?: string | null;
  producer: string;
  /** Time is an input (STYLE.md section 2): the caller's clock, never `new Date()` here. */
  occurredAt: number;
  eventId?: string;
}

/** The event of one type. */
export type EventOf<T extends EventType> = Extract<LetheEvent, { envelope: { type: T } }>;

/** Narrows an event by its type (TypeScript does not narrow a union on a nested field). */
export function isEventOfType<T extends EventType>(event: LetheEvent, type: T): event is EventOf<T> {
  return event.envelope.type === type;
}

/** Builds an event of the given type with a fresh eventId; the schema version is the newest. */
export function makeEvent<T extends EventType>(
  type: T,
  input: EnvelopeInput,
  data: EventOf<T>['data'],
): EventOf<T> {
  return {
    envelope: {
      eventId: input.eventId ?? randomUUID(),
      type,
      subjectId: input.subjectId,
      occurredAt: input.occurredAt,
      correlationId: input.correlationId,
      causationId: input.causationId ?? null,
      producer: input.producer,
      schemaVersion: SCHEMA_VERSION_OF_EVENT_TYPE[type],
    },
    data,
  } as EventOf<T>;
}

export function topicOf(type: EventType): string {
  return TOPIC_OF_EVENT_TYPE[type];
}
