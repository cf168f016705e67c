import type { ProducedAck, ProducedRecord } from '@lethe/kafka';
import type { ErasureTask, TaskResult } from '@lethe/participant';

export const COMPACTED_PARTICIPANT = {
  participantId: 'kafka-compacted',
  categories: ['account', 'contact', 'user-content'],
  phase: 1,
  timeoutMs: 30_000,
} as const;

/**
 * The kafka-compacted participant: on every compacted topic keyed by subject, a tombstone (the
 * subject's key, no value). Compaction then removes every older record of that key; the topics'
 * max.compaction.lag.ms bounds when. The read-back is the broker's acknowledgement by all in-sync
 * replicas, with the tombstone's offset as evidence: a later consumer sees the key as deleted.
 */
export function writeTombstones({
  send,
  topics,
}: {
  send: (records: readonly ProducedRecord[]) => Promise<ProducedAck[]>;
  topics: readonly string[];
}) {
  return async ({ subjectId }: ErasureTask): Promise<TaskResult> => {
    const acknowledged: ProducedAck[] = [];
    for (const topic of topics) {
      const [ack] = await send([{ topic, key: subjectId, value: null }]);
      if (ack && ack.offset !== '-1') acknowledged.push(ack);
    }
    return {
      outcome: 'erased',
      // Topic names hold dots, which cannot be document keys on FerretDB: the topics are in the evidence.
      counts: { 'kafka:tombstones': acknowledged.length },
      verifiedEmpty: acknowledged.length === topics.length,
      evidence: { tombstones: acknowledged },
    };
  };
}
