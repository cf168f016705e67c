import { createHash, generateKeyPairSync } from 'node:crypto';

import { entryLeaf, hashText, nextEntry, recordDigest, signCheckpoint, type ChainEntry } from './chain';
import { rootOf } from './merkle';
import { checkReceipt, receiptFrom, type ErasureReceipt } from './receipt';

// A ledger of 12 entries, the 9th the ErasureCompleted of req_1; tree heads at 5 and 12.
const keys = generateKeyPairSync('ed25519');
const certificateJson = JSON.stringify({ requestId: 'req_1', result: 'complete' });
const certificate = {
  json: certificateJson,
  digest: `sha256:${createHash('sha256').update(certificateJson).digest('hex')}`,
};
// As Avro writes them, the record's strings are in its bytes verbatim.
const completionValue = Buffer.concat([
  Buffer.from([0, 0, 0, 0, 42]),
  Buffer.from('req_1'),
  Buffer.from(certificate.json),
  Buffer.from(certificate.digest),
]);

function ledger(completionAt = 9, size = 12) {
  const entries: ChainEntry[] = [];
  for (let seq = 1; seq <= size; seq += 1) {
    const completion = seq === completionAt;
    const ref = {
      topic: 'lethe.erasure.events.v1',
      partition: 0,
      offset: seq * 10,
      eventId: `evt_${seq}`,
      type: completion ? 'ErasureCompleted' : 'ErasureTaskCompleted',
    };
    const digest = completion ? recordDigest(completionValue) : recordDigest(Buffer.from(`record ${seq}`));
    entries.push(nextEntry(entries.at(-1) ?? null, ref, digest));
  }
  return { entries, leaves: entries.map((e) => entryLeaf(e.entryHash)) };
}

function head(entries: ChainEntry[], leaves: Buffer[], size: number): ErasureReceipt['treeHead'] {
  const tree = { size, rootHash: hashText(rootOf(leaves.slice(0, size))) };
  const last = entries[size - 1]!;
  return {
    seq: size,
    entryHash: last.entryHash,
    ...tree,
    keyId: 'k1',
    signature: signCheckpoint(keys.privateKey, size, last.entryHash, tree).toString('base64'),
  };
}

function receipt(): ErasureReceipt {
  const { entries, leaves } = ledger();
  return receiptFrom(
    'req_1',
    { topic: 'lethe.erasure.events.v1', partition: 0, offset: 90, value: completionValue, certificate },
    entries[8]!,
    leaves,
    head(entries, leaves, 12),
  );
}

describe('an erasure receipt, checked with the audit public key alone', () => {
  it('proves the completion is in the signed tree', () => {
    expect(checkReceipt(receipt(), keys.publicKey)).toEqual([]);
  });

  it('fails with one byte changed in the record, the certificate, the entry or the proof', () => {
    const good = receipt();
    const flipped = Buffer.from(good.record.value, 'base64');
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
    expect(
      checkReceipt(
        { ...good, record: { ...good.record, value: flipped.toString('base64') } },
        keys.publicKey,
      ),
    ).toContain('the record is not the one the ledger entry digests');
    expect(
      checkReceipt(
        {
          ...good,
          certificate: { ...good.certificate, json: good.certificate.json.replace('complete', 'partial') },
        },
        keys.publicKey,
      ),
    ).toContain('the certificate does not hash to its digest');
    expect(
      checkReceipt(
        { ...good, entry: { ...good.entry, eventDigest: `sha256:${'1'.repeat(64)}` } },
        keys.publicKey,
      ),
    ).toContain('the ledger entry does not hash to its entryHash');
    const proof = [...good.entry.proof];
    proof[0] = proof[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(checkReceipt({ ...good, entry: { ...good.entry, proof } }, keys.publicKey)).toEqual([
      'the inclusion proof does not lead to the signed root',
    ]);
  });

  it('fails under a stale tree head, another tree, or another key', () => {
    // A genuine, signed, older head: the checkpoint at seq 5, before the completion.
    const { entries, leaves } = ledger();
    expect(checkReceipt({ ...receipt(), treeHead: head(entries, leaves, 5) }, keys.publicKey)).toEqual([
      'the tree head (size 5) is older than the entry (seq 9)',
    ]);
    // The proof of the same entry in another ledger (one entry more before it).
    const other = ledger(10, 12);
    const foreign = receiptFrom(
      'req_1',
      { topic: 'lethe.erasure.events.v1', partition: 0, offset: 90, value: completionValue, certificate },
      other.entries[9]!,
      other.leaves,
      head(other.entries, other.leaves, 12),
    );
    const good = receipt();
    expect(
      checkReceipt({ ...good, entry: { ...good.entry, proof: foreign.entry.proof } }, keys.publicKey),
    ).toContain('the inclusion proof does not lead to the signed root');
    expect(checkReceipt(good, generateKeyPairSync('ed25519').publicKey)).toEqual([
      'the tree head is not signed by this key',
    ]);
  });
});
