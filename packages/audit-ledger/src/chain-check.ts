import type { KeyObject } from 'node:crypto';

import { isEventOfType, type EventOf, type LetheEvent } from '@lethe/events';

import { checkpointValid, entryHashOf, entryLeaf, GENESIS_HASH, hashText, type TreeHead } from './chain';
import type { LedgerProgress } from './ledger-progress';
import { MerkleFrontier } from './merkle';
import { PositionIndex } from './position-index';
import type { Problem } from './problems';

interface PendingCheckpoint {
  seq: number;
  entryHash: string;
  signature: Buffer;
  /** The Merkle tree head it signs; null on checkpoints from before tree heads. */
  tree: TreeHead | null;
  position: string;
}

/**
 * Follows the ledger entry by entry: each must carry the next seq, link to the hash of the one
 * before and hash to its own entryHash. Keeps per record position only what the record check
 * needs (1,000,000 full entries would not fit). Checkpoints are checked once the whole chain is
 * known, since a checkpoint may be read before the entry it signs.
 */
export function createChainCheck(problems: Problem[], progress?: LedgerProgress) {
  const byPosition = new PositionIndex<{ seq: number; eventDigest: string }>();
  const digestByEventId = new Map<string, string>();
  // Each entry's Merkle leaf, in seq order (32 bytes an entry): tree heads and receipts use them.
  const leaves: Buffer[] = [];
  const pendingCheckpoints: PendingCheckpoint[] = [];
  let previous: { seq: number; entryHash: string } | null = null;
  let entries = 0;

  const broken = (position: () => string, seq: number, detail: string) =>
    problems.push({ kind: 'ledger-chain-broken', position: `${position()} seq ${seq}`, detail });

  function takeEntry(event: EventOf<'AuditEntry'>, position: () => string) {
    entries += 1;
    // Built field by field, not spread: a verify takes a million of them.
    const { eventRef } = event.data;
    const entry = {
      seq: Number(event.data.seq),
      prevHash: event.data.prevHash,
      eventRef: {
        topic: eventRef.topic,
        partition: eventRef.partition,
        offset: Number(eventRef.offset),
        eventId: eventRef.eventId,
        type: eventRef.type,
      },
      eventDigest: event.data.eventDigest,
      entryHash: event.data.entryHash,
    };
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (entry.seq !== expectedSeq) broken(position, entry.seq, `expected seq ${expectedSeq}`);
    else if (entry.prevHash !== (previous?.entryHash ?? GENESIS_HASH))
      broken(position, entry.seq, 'prevHash does not match the entry before');
    else if (entryHashOf(entry) !== entry.entryHash)
      broken(position, entry.seq, 'entryHash does not match the entry');
    previous = { seq: entry.seq, entryHash: entry.entryHash };
    leaves.push(entryLeaf(entry.entryHash));
    const { topic, partition, offset, eventId } = entry.eventRef;
    byPosition.set(topic, partition, offset, { seq: entry.seq, eventDigest: entry.eventDigest });
    if (eventId) digestByEventId.set(eventId, entry.eventDigest);
    progress?.note(topic, partition, offset);
  }

  return {
    byPosition,
    digestByEventId,
    /** Takes the next ledger record; `position` is only called when there is a problem. */
    take(event: LetheEvent, position: () => string): void {
      if (isEventOfType(event, 'AuditEntry')) takeEntry(event, position);
      else if (isEventOfType(event, 'AuditCheckpoint'))
        pendingCheckpoints.push({
          seq: Number(event.data.seq),
          entryHash: event.data.entryHash,
          signature: event.data.signature,
          tree:
            event.data.treeSize === null || event.data.rootHash === null
              ? null
              : { size: Number(event.data.treeSize), rootHash: event.data.rootHash },
          position: position(),
        });
    },
    /**
     * Every checkpoint must be signed by the key and sign the entry at its seq; a tree head must
     * be the Merkle tree of exactly the entries up to it, so the heads prove the ledger only grew.
     */
    checkCheckpoints(publicKey: KeyObject): void {
      // The entry at a seq is known by its leaf (the leaves are in seq order where the chain
      // holds): no second copy of every entry hash (140 MiB at 1,000,000 entries).
      const signsLeafAt = (seq: number, entryHash: string) =>
        leaves[seq - 1]?.equals(entryLeaf(entryHash)) === true;
      const roots = rootsAt(
        leaves,
        pendingCheckpoints.flatMap((c) => (c.tree ? [c.tree.size] : [])),
      );
      for (const checkpoint of pendingCheckpoints) {
        const { seq, entryHash, signature, tree } = checkpoint;
        const signed = checkpointValid(publicKey, seq, entryHash, signature, tree);
        const why = !signed
          ? 'the signature does not verify'
          : !signsLeafAt(seq, entryHash)
            ? 'the signed hash is not the ledger entry at that seq'
            : tree && (tree.size !== seq || roots.get(tree.size) !== tree.rootHash)
              ? 'the signed tree head is not the Merkle tree of the entries up to it'
              : undefined;
        if (why)
          problems.push({
            kind: 'ledger-checkpoint-invalid',
            position: `${checkpoint.position} seq ${seq}`,
            detail: why,
          });
      }
    },
    /** The entries' Merkle leaves, seq 1 first. */
    leaves: (): readonly Buffer[] => leaves,
    summary: () => ({ entries, checkpoints: pendingCheckpoints.length, lastSeq: previous?.seq ?? 0 }),
  };
}

export type ChainCheck = ReturnType<typeof createChainCheck>;

/** The Merkle root of the first `size` leaves, for each size asked: one pass over the leaves. */
function rootsAt(leaves: readonly Buffer[], sizes: readonly number[]): Map<number, string> {
  const wanted = new Set(sizes);
  const roots = new Map<number, string>();
  const frontier = MerkleFrontier.empty();
  for (const leaf of leaves) {
    frontier.append(leaf);
    if (wanted.has(frontier.size)) roots.set(frontier.size, hashText(frontier.root()));
  }
  return roots;
}
