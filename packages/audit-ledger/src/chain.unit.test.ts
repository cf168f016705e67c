import { generateKeyPairSync } from 'node:crypto';

import { makeEvent } from '@lethe/events';

import {
  checkpointValid,
  entryHashOf,
  GENESIS_HASH,
  nextEntry,
  recordDigest,
  signCheckpoint,
  type ChainEntry,
} from './chain';
import { createChainCheck } from './chain-check';
import type { Problem } from './problems';

const ref = (offset: number) => ({
  topic: 'lethe.account.events.v1',
  partition: 0,
  offset,
  eventId: `e${offset}`,
  type: 'AccountCreated',
});

const envelope = { subjectId: null, occurredAt: 0, correlationId: 'c', producer: 'test' };

describe('the ledger hash chain', () => {
  it('links each entry to the one before, from the genesis hash', () => {
    const first = nextEntry(null, ref(0), recordDigest(Buffer.from('a')));
    const second = nextEntry(first, ref(1), recordDigest(Buffer.from('b')));
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(second).toMatchObject({ seq: 2, prevHash: first.entryHash });
    const { entryHash, ...body } = second;
    expect(entryHashOf(body)).toBe(entryHash);
  });

  it('changes the hash when anything in the entry changes', () => {
    const entry = nextEntry(null, ref(0), recordDigest(Buffer.from('a')));
    const { entryHash, ...body } = entry;
    expect(entryHashOf({ ...body, eventDigest: recordDigest(Buffer.from('A')) })).not.toBe(entryHash);
    expect(entryHashOf({ ...body, eventRef: { ...body.eventRef, offset: 1 } })).not.toBe(entryHash);
    expect(entryHashOf({ ...body, seq: 2 })).not.toBe(entryHash);
  });

  it('digests with plain SHA-256, so ledgers written before stay verifiable', () => {
    // FIPS 180-2's test vector for "abc".
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(recordDigest(Buffer.from('abc'))).toBe(`sha256:${abc}`);
    expect(recordDigest(null)).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('digests a missing value as the empty record, and the same bytes the same way', () => {
    expect(recordDigest(null)).toBe(recordDigest(Buffer.alloc(0)));
    expect(recordDigest(Buffer.from('x'))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('accepts a checkpoint signed by the key, and refuses another head or another key', () => {
    const keys = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const head = nextEntry(null, ref(0), recordDigest(null));
    const signature = signCheckpoint(keys.privateKey, head.seq, head.entryHash);
    expect(checkpointValid(keys.publicKey, head.seq, head.entryHash, signature)).toBe(true);
    expect(checkpointValid(keys.publicKey, head.seq + 1, head.entryHash, signature)).toBe(false);
    expect(checkpointValid(other.publicKey, head.seq, head.entryHash, signature)).toBe(false);
  });
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
