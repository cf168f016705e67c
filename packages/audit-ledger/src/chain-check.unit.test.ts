import { generateKeyPairSync } from 'node:crypto';

import { makeEvent } from '@lethe/events';

import { nextEntry, recordDigest, signCheckpoint, type ChainEntry } from './chain';
import { createChainCheck } from './chain-check';
import type { Problem } from './problems';

const envelope = { subjectId: null, occurredAt: 0, correlationId: 'c', producer: 'test' };
const ref = (offset: number) => ({
  topic: 'lethe.account.events.v1',
  partition: 0,
  offset,
  eventId: `e${offset}`,
  type: 'AccountCreated',
});

describe('checking the ledger chain', () => {
  it('accepts a checkpoint over the entry at its seq, and names one over another entry', () => {
    const keys = generateKeyPairSync('ed25519');
    const problems: Problem[] = [];
    const chain = createChainCheck(problems);
    const entries: ChainEntry[] = [];
    for (let offset = 0; offset < 3; offset += 1) {
      const entry = nextEntry(entries.at(-1) ?? null, ref(offset), recordDigest(Buffer.from(`v${offset}`)));
      entries.push(entry);
    }
    const checkpoint = (seq: number, entryHash: string) =>
      makeEvent('AuditCheckpoint', envelope, {
        seq,
        entryHash,
        signature: signCheckpoint(keys.privateKey, seq, entryHash),
        keyId: 'k',
        treeSize: null,
        rootHash: null,
      });
    // A checkpoint may come before the entry it signs: it is checked once the chain is read.
    chain.take(checkpoint(2, entries[1]!.entryHash), () => 'ledger@0');
    for (const entry of entries) chain.take(makeEvent('AuditEntry', envelope, entry), () => 'ledger');
    // Signed by the key, but seq 3 is another entry.
    chain.take(checkpoint(3, entries[1]!.entryHash), () => 'ledger@4');
    chain.checkCheckpoints(keys.publicKey);
    expect(problems).toEqual([
      {
        kind: 'ledger-checkpoint-invalid',
        position: 'ledger@4 seq 3',
        detail: 'the signed hash is not the ledger entry at that seq',
      },
    ]);
  });
});
