import { makeEvent, type LetheEvent } from '@lethe/events';

import { nextEntry, recordDigest, type ChainEntry } from './chain';
import { createChainCheck } from './chain-check';
import type { Problem } from './problems';
import { createRecordCheck } from './record-check';

const TOPIC = 'lethe.account.events.v1';
const envelope = { subjectId: null, occurredAt: 0, correlationId: 'c', producer: 'test' };

/** A ledger of one entry per record, and a record check over it. */
function ledgerOf(records: { offset: number; value: Buffer; eventId: string }[]) {
  const problems: Problem[] = [];
  const chain = createChainCheck(problems);
  let previous: ChainEntry | null = null;
  for (const { offset, value, eventId } of records) {
    const ref = { topic: TOPIC, partition: 0, offset, eventId, type: 'AccountCreated' };
    const entry = nextEntry(previous, ref, recordDigest(value));
    chain.take(makeEvent('AuditEntry', envelope, entry), () => `ledger@${entry.seq}`);
    previous = entry;
  }
  // A record without an entry is decoded to find its event id: here the value up to a comma.
  const decode = async (value: Buffer | null) =>
    value ? ({ envelope: { eventId: value.toString().split(',')[0] } } as unknown as LetheEvent) : undefined;
  return { problems, recordCheck: createRecordCheck(chain, problems, decode) };
}

const record = (offset: number, value: Buffer) => ({
  topic: TOPIC,
  partition: 0,
  offset,
  digest: recordDigest(value),
  value,
});

describe('matching audited records to the ledger', () => {
  it('finds nothing wrong when every record has its entry and its bytes', async () => {
    const values = [Buffer.from('e1'), Buffer.from('e2')];
    const { problems, recordCheck } = ledgerOf(
      values.map((value, offset) => ({ offset, value, eventId: `e${offset + 1}` })),
    );
    // The common case answers at once: nothing to await per record.
    expect(recordCheck.take(record(0, values[0]!))).toBeUndefined();
    expect(recordCheck.take(record(1, values[1]!))).toBeUndefined();
    await recordCheck.finish();
    expect(problems).toEqual([]);
  });

  it('names an altered record, a record the ledger never saw, a forged copy, and a missing record', async () => {
    const { problems, recordCheck } = ledgerOf([
      { offset: 0, value: Buffer.from('e1'), eventId: 'e1' },
      { offset: 1, value: Buffer.from('e2'), eventId: 'e2' },
      { offset: 2, value: Buffer.from('e3'), eventId: 'e3' },
    ]);
    await recordCheck.take(record(0, Buffer.from('e1, altered')));
    // Offset 1 is not read at all; offsets 5 and 6 have no entry.
    await recordCheck.take(record(2, Buffer.from('e3')));
    await recordCheck.take(record(5, Buffer.from('unknown')));
    await recordCheck.take(record(6, Buffer.from('e2,forged')));
    await recordCheck.finish();
    expect(problems.map((p) => [p.kind, p.position])).toEqual([
      ['record-altered', `${TOPIC}/0@0 seq 1`],
      ['record-not-in-ledger', `${TOPIC}/0@5`],
      ['record-forged', `${TOPIC}/0@6`],
      ['ledger-entry-without-record', `${TOPIC}/0@1 seq 2`],
    ]);
  });
});
