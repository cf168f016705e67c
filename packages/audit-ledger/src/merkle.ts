import { hash } from 'node:crypto';

// A Merkle tree over the ledger's entries, as Certificate Transparency builds one (RFC 9162
// section 2.1): leaves and nodes hashed apart (0x00 / 0x01 prefixes), a tree of any size split
// at the largest power of two below it. Proofs are made with the RFC's recursive definitions
// (PATH, SUBPROOF) and checked with its iterative verification algorithms, so each side checks
// the other. What a receipt needs: that an entry is in a tree head, and that a later head only
// grew from an earlier one.

// One-shot hashes over one buffer: a Hash object per node cost three times as much, and a
// verify hashes two nodes per ledger entry.
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);
/** The hash of the empty tree (RFC 9162: the hash of the empty string). */
const EMPTY_TREE_HASH = hash('sha256', Buffer.alloc(0), 'buffer');

export const leafHash = (entry: Buffer): Buffer => hash('sha256', Buffer.concat([LEAF, entry]), 'buffer');
export const nodeHash = (left: Buffer, right: Buffer): Buffer =>
  hash('sha256', Buffer.concat([NODE, left, right]), 'buffer');

/** The largest power of two strictly below n (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes; the empty tree's root is SHA-256 of nothing. */
export function rootOf(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_TREE_HASH;
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return nodeHash(rootOf(leaves.slice(0, k)), rootOf(leaves.slice(k)));
}

/** PATH(m, D[n]): the audit path of leaf `index` in the tree of `leaves`. */
export function inclusionProof(leaves: readonly Buffer[], index: number): Buffer[] {
  if (index < 0 || index >= leaves.length)
    throw new RangeError(`no leaf ${index} in a tree of ${leaves.length}`);
  if (leaves.length === 1) return [];
  const k = splitPoint(leaves.length);
  return index < k
    ? [...inclusionProof(leaves.slice(0, k), index), rootOf(leaves.slice(k))]
    : [...inclusionProof(leaves.slice(k), index - k), rootOf(leaves.slice(0, k))];
}

/** PROOF(m, D[n]): that the tree of the first `oldSize` leaves is a prefix of this one. */
export function consistencyProof(leaves: readonly Buffer[], oldSize: number): Buffer[] {
  if (oldSize < 1 || oldSize > leaves.length)
    throw new RangeError(`no consistency proof from ${oldSize} to ${leaves.length}`);
  return subproof(oldSize, leaves, true);
}

function subproof(m: number, leaves: readonly Buffer[], complete: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [rootOf(leaves)];
  const k = splitPoint(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), complete), rootOf(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), rootOf(leaves.slice(0, k))];
}

/** Right-shifts both until `fn` is odd or zero (the verification algorithms' inner step). */
function shiftToOdd(fn: number, sn: number): [number, number] {
  while (fn % 2 === 0 && fn !== 0) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return [fn, sn];
}

/** RFC 9162 section 2.1.3.2: does `proof` put leaf `index` (its hash) in a tree of `size` with `root`? */
export function verifyInclusion(
  leaf: Buffer,
  index: number,
  size: number,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  if (index >= size || index < 0) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) [fn, sn] = shiftToOdd(fn, sn);
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 section 2.1.4.2: does `proof` show the tree (`oldSize`, `oldRoot`) grew into (`newSize`, `newRoot`)? */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Buffer[],
  oldRoot: Buffer,
  newRoot: Buffer,
): boolean {
  if (oldSize < 1 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && oldRoot.equals(newRoot);
  if (proof.length === 0) return false;
  // An old tree of a power-of-two size is a complete left subtree: its root starts the walk.
  const path = (oldSize & (oldSize - 1)) === 0 ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) [fn, sn] = shiftToOdd(fn, sn);
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(oldRoot) && sr.equals(newRoot) && sn === 0;
}

/**
 * The tree's right edge (one root per complete subtree, at most log2(n) of them): enough to
 * append a leaf and give the root of the whole, so the writer never holds every leaf.
 */
export class MerkleFrontier {
  private constructor(private readonly edge: { size: number; hash: Buffer }[]) {}

  static empty(): MerkleFrontier {
    return new MerkleFrontier([]);
  }

  get size(): number {
    return this.edge.reduce((sum, subtree) => sum + subtree.size, 0);
  }

  append(leaf: Buffer): void {
    let subtree = { size: 1, hash: leaf };
    while (this.edge.length > 0 && this.edge[this.edge.length - 1]!.size === subtree.size) {
      const left = this.edge.pop()!;
      subtree = { size: left.size * 2, hash: nodeHash(left.hash, subtree.hash) };
    }
    this.edge.push(subtree);
  }

  root(): Buffer {
    if (this.edge.length === 0) return EMPTY_TREE_HASH;
    let root = this.edge[this.edge.length - 1]!.hash;
    for (let i = this.edge.length - 2; i >= 0; i -= 1) root = nodeHash(this.edge[i]!.hash, root);
    return root;
  }

  clone(): MerkleFrontier {
    return new MerkleFrontier([...this.edge]);
  }
}
