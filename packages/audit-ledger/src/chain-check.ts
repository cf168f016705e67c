import type { KeyObject } from 'node:crypto';

import { isEventOfType, type EventOf, type LetheEvent } from '@lethe/events';

import { checkpointValid, entryHashOf, GENESIS_HASH } from './chain';
import { PositionIndex } from './position-index';
import type { Problem } from './problems';

interface PendingCheckpoint {
  seq: number;
  entryHash: string;
  signature: Buffer;
  position: string;
}

/**
 * Follows the ledger entry by entry: each must carry the next seq, link to the hash of the one
 * before and hash to its own entryHash. Keeps per record position only what the record check
 * needs (1,000,000 full entries would not fit). Checkpoints are checked once the whole chain is
 * known, since a checkpoint may be read before the entry it signs.
 */
export function createChainCheck(problems: Problem[]) {
  const byPosition = new PositionIndex<{ seq: number; eventDigest: string }>();
  const digestByEventId = new Map<string, string>();
  const hashBySeq = new Map<number, string>();
  const pendingCheckpoints: PendingCheckpoint[] = [];
  let previous: { seq: number; entryHash: string } | null = null;
  let entries = 0;

  const broken = (position: () => string, seq: number, detail: string) =>
    problems.push({ kind: 'ledger-chain-broken', position: `${position()} seq ${seq}`, detail });

  function takeEntry(event: EventOf<'AuditEntry'>, position: () => string) {
    entries += 1;
    const entry = {
      ...event.data,
      seq: Number(event.data.seq),
      eventRef: { ...event.data.eventRef, offset: Number(event.data.eventRef.offset) },
    };
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (entry.seq !== expectedSeq) broken(position, entry.seq, `expected seq ${expectedSeq}`);
    else if (entry.prevHash !== (previous?.entryHash ?? GENESIS_HASH))
      broken(position, entry.seq, 'prevHash does not match the entry before');
    else if (entryHashOf(entry) !== entry.entryHash)
      broken(position, entry.seq, 'entryHash does not match the entry');
    previous = { seq: entry.seq, entryHash: entry.entryHash };
    hashBySeq.set(entry.seq, entry.entryHash);
    const { topic, partition, offset, eventId } = entry.eventRef;
    byPosition.set(topic, partition, offset, { seq: entry.seq, eventDigest: entry.eventDigest });
    if (eventId) digestByEventId.set(eventId, entry.eventDigest);
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
          position: position(),
        });
    },
    /** Every checkpoint must be signed by the key and sign the entry at its seq. */
    checkCheckpoints(publicKey: KeyObject): void {
      for (const checkpoint of pendingCheckpoints) {
        const signed = checkpointValid(publicKey, checkpoint.seq, checkpoint.entryHash, checkpoint.signature);
        if (signed && hashBySeq.get(checkpoint.seq) === checkpoint.entryHash) continue;
        problems.push({
          kind: 'ledger-checkpoint-invalid',
          position: `${checkpoint.position} seq ${checkpoint.seq}`,
          detail: signed
            ? 'the signed hash is not the ledger entry at that seq'
            : 'the signature does not verify',
        });
      }
    },
    summary: () => ({ entries, checkpoints: pendingCheckpoints.length, lastSeq: previous?.seq ?? 0 }),
  };
}

export type ChainCheck = ReturnType<typeof createChainCheck>;
