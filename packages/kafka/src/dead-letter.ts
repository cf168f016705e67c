import { createHash } from 'node:crypto';

import type { KafkaMessage } from 'kafkajs';

import { describeCause, hasKafkaErrorType, isRetriable, KafkaPortError } from './errors';
import { headersOf } from './headers';
import type { ProducedRecord } from './producer';
import { deadLetterTopicName } from './topics';

export const DLQ_HEADERS = {
  sourceTopic: 'lethe.dlq.source-topic',
  sourcePartition: 'lethe.dlq.source-partition',
  sourceOffset: 'lethe.dlq.source-offset',
  consumerGroup: 'lethe.dlq.consumer-group',
  cause: 'lethe.dlq.cause',
  attempts: 'lethe.dlq.attempts',
  retriable: 'lethe.dlq.retriable',
  failedAt: 'lethe.dlq.failed-at',
  /** Set when the copy could not fit the dead-letter topic: the record carries no value, only
   * where the original is and its digest. */
  valueOmitted: 'lethe.dlq.value-omitted',
  valueSha256: 'lethe.dlq.value-sha256',
  valueBytes: 'lethe.dlq.value-bytes',
  /** On a record `lethe dlq replay` sent back to its source topic: where it was replayed from. */
  replayedFrom: 'lethe.dlq.replayed-from',
} as const;

/** kafkajs' answer when a record (or batch) is over the topic's max.message.bytes. */
const isTooLarge = (error: unknown) => hasKafkaErrorType(error, ['MESSAGE_TOO_LARGE']);

/** A record that can never be handled, and why. */
export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  groupId: string;
  error: unknown;
  attempts: number;
}

/**
 * Copies a record to `<topic>.dlq` with where it came from and why it failed. Throws (retriably)
 * if it cannot: then the record is not committed and comes back after the restart.
 */
export async function sendToDeadLetter(
  send: (records: readonly ProducedRecord[]) => Promise<unknown>,
  { topic, partition, message, groupId, error, attempts }: DeadLetter,
): Promise<void> {
  const headers = {
    ...headersOf(message.headers),
    [DLQ_HEADERS.sourceTopic]: topic,
    [DLQ_HEADERS.sourcePartition]: String(partition),
    [DLQ_HEADERS.sourceOffset]: message.offset,
    [DLQ_HEADERS.consumerGroup]: groupId,
    [DLQ_HEADERS.cause]: describeCause(error),
    [DLQ_HEADERS.attempts]: String(attempts),
    [DLQ_HEADERS.retriable]: String(isRetriable(error)),
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
  const dlq = deadLetterTopicName(topic);
  try {
    try {
      await send([{ topic: dlq, key: message.key, value: message.value, headers }]);
    } catch (sendError) {
      if (!isTooLarge(sendError)) throw sendError;
      // The copy cannot fit: a reference to the original (still on the source topic for its
      // retention) with its digest, so the partition moves on and nothing is lost silently.
      const value = message.value ?? Buffer.alloc(0);
      await send([
        {
          topic: dlq,
          key: message.key,
          value: null,
          headers: {
            ...headers,
            [DLQ_HEADERS.valueOmitted]: 'too-large',
            [DLQ_HEADERS.valueSha256]: createHash('sha256').update(value).digest('hex'),
            [DLQ_HEADERS.valueBytes]: String(value.length),
          },
        },
      ]);
    }
  } catch (cause) {
    // Not committing is the safe answer: the record comes back after the restart.
    throw new KafkaPortError(
      'KAFKA_DEAD_LETTER_FAILED',
      `could not dead-letter ${topic}/${partition}@${message.offset}`,
      true,
      { cause },
    );
  }
}
