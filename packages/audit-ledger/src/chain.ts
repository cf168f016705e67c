import { hash, sign, verify, type KeyObject } from 'node:crypto';

import { leafHash } from './merkle';

// The ledger's hash chain, as pure functions shared by the writer (the audit service) and the
// verifier (`lethe audit verify`), so both compute exactly the same bytes.

export const GENESIS_HASH = `sha256:${'0'.repeat(64)}`;

export interface EventRef {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly eventId: string | null;
  readonly type: string | null;
}

export interface ChainEntry {
  readonly seq: number;
  readonly prevHash: string;
  readonly eventRef: EventRef;
  readonly eventDigest: string;
  readonly entryHash: string;
}

// Hashes are one-shot (crypto.hash): a verify over a million records makes three or four per
// record, and a Hash object per call cost three times as much (bench/audit-verify.ts).

/** sha256 of the record's value bytes: ciphertext where personal, so it verifies after erasure. */
export function recordDigest(value: Buffer | null): string {
  return `sha256:${hash('sha256', value ?? EMPTY, 'hex')}`;
}

const EMPTY = Buffer.alloc(0);

export function entryHashOf(entry: Omit<ChainEntry, 'entryHash'>): string {
  // A fixed field order: the same entry always hashes to the same value.
  const canonical = JSON.stringify([
    entry.seq,
    entry.prevHash,
    entry.eventRef.topic,
    entry.eventRef.partition,
    entry.eventRef.offset,
    entry.eventRef.eventId,
    entry.eventRef.type,
    entry.eventDigest,
  ]);
  return `sha256:${hash('sha256', canonical, 'hex')}`;
}

export function nextEntry(
  previous: { seq: number; entryHash: string } | null,
  eventRef: EventRef,
  eventDigest: string,
): ChainEntry {
  const seq = (previous?.seq ?? 0) + 1;
  const prevHash = previous?.entryHash ?? GENESIS_HASH;
  return {
    seq,
    prevHash,
    eventRef,
    eventDigest,
    entryHash: entryHashOf({ seq, prevHash, eventRef, eventDigest }),
  };
}

/** The head of the ledger's Merkle tree: its size (entries seq 1..size) and root. */
export interface TreeHead {
  readonly size: number;
  /** `sha256:<hex>`. */
  readonly rootHash: string;
}

/** An entry's Merkle leaf: RFC 9162's leaf hash of its entryHash (UTF-8), which covers all of it. */
export const entryLeaf = (entryHash: string): Buffer => leafHash(Buffer.from(entryHash, 'utf8'));

export const hashText = (digest: Buffer) => `sha256:${digest.toString('hex')}`;

/** A checkpoint signs the chain's head and, since tree heads, the Merkle tree's (v2). */
const checkpointBytes = (seq: number, entryHash: string, tree: TreeHead | null) =>
  Buffer.from(
    tree
      ? `lethe.audit.checkpoint.v2|${seq}|${entryHash}|${tree.size}|${tree.rootHash}`
      : `lethe.audit.checkpoint.v1|${seq}|${entryHash}`,
  );

export function signCheckpoint(
  privateKey: KeyObject,
  seq: number,
  entryHash: string,
  tree: TreeHead | null = null,
): Buffer {
  return sign(null, checkpointBytes(seq, entryHash, tree), privateKey);
}

export function checkpointValid(
  publicKey: KeyObject,
  seq: number,
  entryHash: string,
  signature: Buffer,
  tree: TreeHead | null = null,
): boolean {
  return verify(null, checkpointBytes(seq, entryHash, tree), publicKey, signature);
}
