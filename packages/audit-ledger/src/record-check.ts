import type { LetheEvent } from '@lethe/events';

import type { ChainCheck } from './chain-check';
import type { LedgerProgress } from './ledger-progress';
import { PositionIndex } from './position-index';
import { at, type Problem } from './problems';

export interface SourceRecord {
  topic: string;
  partition: number;
  offset: number;
  digest: string;
  value: Buffer | null;
}

/**
 * Matches each audited record to its ledger entry, by position and digest. A record read before
 * the ledger reached its entry waits until both reads are done.
 */
export function createRecordCheck(
  chain: ChainCheck,
  problems: Problem[],
  decode: (value: Buffer | null) => Promise<LetheEvent | undefined>,
  compactedTopics: ReadonlySet<string> = new Set(),
  progress?: LedgerProgress,
) {
  const seen = new PositionIndex<true>();
  const unmatched: SourceRecord[] = [];
  const lowWatermarks = new Map<string, number>();

  /** Matches one record to its ledger entry; it decodes (and so waits) only without an entry. */
  function check(record: SourceRecord): void | Promise<void> {
    const { topic, partition, offset, digest } = record;
    const entry = chain.byPosition.get(topic, partition, offset);
    if (!entry) return checkByEventId(record);
    if (entry.eventDigest !== digest)
      problems.push({
        kind: 'record-altered',
        position: `${at(topic, partition, offset)} seq ${entry.seq}`,
        detail: 'the record bytes differ from the digest in the ledger',
      });
  }

  async function checkByEventId({ topic, partition, offset, digest, value }: SourceRecord): Promise<void> {
    const position = at(topic, partition, offset);
    const event = await decode(value);
    const known = event ? chain.digestByEventId.get(event.envelope.eventId) : undefined;
    if (known === undefined)
      problems.push({
        kind: 'record-not-in-ledger',
        position,
        detail: 'no ledger entry for this record or its event id',
      });
    else if (known !== digest)
      problems.push({
        kind: 'record-forged',
        position,
        detail: `a copy of event ${event!.envelope.eventId} with other bytes`,
      });
    // Same event id, same bytes: an outbox publishing twice, ledgered once. Not a problem.
  }

  /**
   * Checks the record against its entry now; or waits until the ledger has passed it (see
   * LedgerProgress), so few are kept; or keeps it for the end. Synchronous in the common case.
   */
  function matchOrKeep(record: SourceRecord): void | Promise<void> {
    if (chain.byPosition.get(record.topic, record.partition, record.offset)) return check(record);
    if (progress?.ahead(record.topic, record.partition, record.offset)) return afterLedgerPasses(record);
    keepForTheEnd(record);
  }

  async function afterLedgerPasses(record: SourceRecord): Promise<void> {
    while (progress?.ahead(record.topic, record.partition, record.offset)) await progress.advanced();
    return matchOrKeep(record);
  }

  /**
   * A record without an entry yet is matched once both reads are done (a copy of another
   * record's event, or not ledgered at all). Its bytes are copied out of the fetch buffer they
   * are a slice of, which would otherwise stay in memory with it.
   */
  function keepForTheEnd(record: SourceRecord): void {
    unmatched.push({ ...record, value: record.value && Buffer.from(record.value) });
  }

  return {
    /** Where a partition's retention has removed records below (they need no record). */
    lowWatermark(topic: string, partition: number, low: number): void {
      lowWatermarks.set(`${topic}/${partition}`, low);
    },
    /** Synchronous when the record's entry is known (the common case): nothing to await. */
    take(record: SourceRecord): void | Promise<void> {
      seen.set(record.topic, record.partition, record.offset, true);
      return matchOrKeep(record);
    },
    /** Once both reads are done: the records that waited, and entries whose record is missing. */
    async finish(): Promise<void> {
      for (const record of unmatched) await check(record);
      for (const [topic, partition, offset, entry] of chain.byPosition.entries()) {
        if (seen.get(topic, partition, offset)) continue;
        // Below the low watermark the topic's retention removed it (the ingest topic keeps 7 days).
        if (offset < (lowWatermarks.get(`${topic}/${partition}`) ?? 0)) continue;
        // Compaction removes a record once a later one has its key (a participant registered
        // again): the ledger's copy of the digest is what remains of it.
        if (compactedTopics.has(topic)) continue;
        problems.push({
          kind: 'ledger-entry-without-record',
          position: `${at(topic, partition, offset)} seq ${entry.seq}`,
          detail: 'the ledger names a record the topic does not hold',
        });
      }
    },
  };
}
