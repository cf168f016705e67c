import { randomUUID } from 'node:crypto';

import { traceHeaders } from '@lethe/logger';

import type { CommandContext } from './command-handler';
import type { OutboxRecord } from './stream-store';

/** The envelope of a wire event, made once per domain event. */
export interface WireEnvelope {
  readonly eventId: string;
  readonly subjectId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly producer: string;
  readonly occurredAt: number;
}

/** A wire event and the (logical) topics it goes to. */
export interface Wire<W> {
  readonly wire: W;
  readonly topics: readonly string[];
}

export interface OutboxRecordsDeps<Event, W extends { readonly envelope: { readonly type: string } }> {
  /** The wire format (Avro through the registry). */
  encode: (wire: W) => Promise<Buffer>;
  /** Logical topic name to physical. */
  topicName: (logical: string) => string;
  producer: string;
  /** A domain event on the wire: none (it stays in the stream), one, or one on several topics. */
  toWires: (event: Event, envelope: WireEnvelope) => Promise<readonly Wire<W>[]> | readonly Wire<W>[];
}

/**
 * A command handler's `toRecords`: each domain event becomes its wire events, keyed by the
 * stream's subject, with the event id and type in headers. A wire on several topics is one event
 * (one id), as a task is on the erasure log and on its participant's queue.
 */
export function outboxRecords<Event, W extends { readonly envelope: { readonly type: string } }>(
  deps: OutboxRecordsDeps<Event, W>,
) {
  return async (
    subjectId: string,
    events: readonly Event[],
    context: CommandContext,
  ): Promise<OutboxRecord[]> => {
    const records: OutboxRecord[] = [];
    for (const event of events) {
      const envelope: WireEnvelope = {
        eventId: randomUUID(),
        subjectId,
        correlationId: context.correlationId,
        causationId: context.causationId,
        producer: deps.producer,
        occurredAt: context.now.getTime(),
      };
      for (const { wire, topics } of await deps.toWires(event, envelope)) {
        const value = await deps.encode(wire);
        // The trace of the command travels with its events, though the relay sends them later.
        const headers = {
          ...traceHeaders(),
          'lethe.event-id': envelope.eventId,
          'lethe.event-type': wire.envelope.type,
        };
        for (const topic of topics)
          records.push({
            eventId: envelope.eventId,
            topic: deps.topicName(topic),
            key: subjectId,
            value,
            headers,
          });
      }
    }
    return records;
  };
}
