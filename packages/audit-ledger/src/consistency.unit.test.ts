import { generateKeyPairSync, type KeyObject } from 'node:crypto';

import { entryLeaf, hashText, nextEntry, recordDigest, signCheckpoint, type ChainEntry } from './chain';
import { checkConsistency, consistencyProofBetween } from './consistency';
import type { SignedTreeHead } from './ledger-tree';
import { rootOf } from './merkle';

// A ledger of 20 entries with signed heads at 1, 5, 8, 13 and 20, and a fork of it whose third
// entry was rewritten (and the chain re-hashed after it) before its heads were signed again.
const keys = generateKeyPairSync('ed25519');

function ledger(rewrittenSeq?: number) {
  const entries: ChainEntry[] = [];
  for (let seq = 1; seq <= 20; seq += 1) {
    const ref = {
      topic: 'lethe.erasure.events.v1',
      partition: 0,
      offset: seq,
      eventId: `evt_${seq}`,
      type: 'X',
    };
    const bytes = seq === rewrittenSeq ? 'rewritten' : `record ${seq}`;
    entries.push(nextEntry(entries.at(-1) ?? null, ref, recordDigest(Buffer.from(bytes))));
  }
  return { entries, leaves: entries.map((e) => entryLeaf(e.entryHash)) };
}

function head(
  entries: ChainEntry[],
  leaves: Buffer[],
  size: number,
  key: KeyObject = keys.privateKey,
): SignedTreeHead {
  const tree = { size, rootHash: hashText(rootOf(leaves.slice(0, size))) };
  const last = entries[size - 1]!;
  return {
    seq: size,
    entryHash: last.entryHash,
    ...tree,
    keyId: 'k1',
    signature: signCheckpoint(key, size, last.entryHash, tree).toString('base64'),
  };
}

describe('consistency proofs between signed tree heads (RFC 9162, 2.1.4)', () => {
  const honest = ledger();
  const heads = [1, 5, 8, 13, 20].map((size) => head(honest.entries, honest.leaves, size));

  it('show that every later head extends every earlier one', () => {
    for (const [i, from] of heads.entries())
      for (const to of heads.slice(i))
        expect(checkConsistency(consistencyProofBetween(honest.leaves, from, to), keys.publicKey)).toEqual(
          [],
        );
  });

  it('fail when the ledger was rewritten after the older head, even with every head signed', () => {
    const fork = ledger(3);
    const forkedHead = head(fork.entries, fork.leaves, 13);
    const proof = consistencyProofBetween(fork.leaves, heads[1]!, forkedHead);
    expect(checkConsistency(proof, keys.publicKey)).toEqual([
      'the proof does not show the newer tree extends the older: entries were changed or removed',
    ]);
    // A rewrite after the older head's entries is growth, and proves so.
    expect(
      checkConsistency(consistencyProofBetween(fork.leaves, heads[0]!, forkedHead), keys.publicKey),
    ).toEqual([]);
  });

  it('fail with one byte changed, heads swapped, or a head another key signed', () => {
    const proof = consistencyProofBetween(honest.leaves, heads[2]!, heads[4]!);
    const changed = [...proof.proof];
    changed[0] = (changed[0]![0] === '0' ? '1' : '0') + changed[0]!.slice(1);
    expect(checkConsistency({ ...proof, proof: changed }, keys.publicKey)).toEqual([
      'the proof does not show the newer tree extends the older: entries were changed or removed',
    ]);
    expect(checkConsistency({ ...proof, from: proof.to, to: proof.from }, keys.publicKey)).toEqual([
      'the older tree head (20 entries) is larger than the newer (8)',
    ]);
    const other = generateKeyPairSync('ed25519');
    const foreign = head(honest.entries, honest.leaves, 20, other.privateKey);
    expect(checkConsistency({ ...proof, to: foreign }, keys.publicKey)).toEqual([
      'the newer tree head is not signed by this key',
    ]);
    expect(checkConsistency({ ...proof, to: { ...proof.to, size: 19 } }, keys.publicKey)[0]).toBe(
      'the newer tree head is not signed by this key',
    );
  });
});
