import type { KeyObject } from 'node:crypto';

import type { EventCodec } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';

import { readLedgerTree, treeHeadRefused, type SignedTreeHead } from './ledger-tree';
import { consistencyProof, verifyConsistency } from './merkle';

// That the ledger only grew between two signed tree heads, as Certificate Transparency shows it
// (RFC 9162, 2.1.4): an auditor who kept an older head (from a receipt, or `lethe audit head`)
// checks offline, with the public key alone, that today's ledger still holds every entry it held.

export interface ConsistencyProof {
  readonly format: 'lethe.consistency-proof.v1';
  readonly from: SignedTreeHead;
  readonly to: SignedTreeHead;
  /** RFC 9162 consistency proof from `from.size` to `to.size`: node hashes, hex. */
  readonly proof: readonly string[];
}

const rootBytes = (head: SignedTreeHead) => Buffer.from(head.rootHash.replace(/^sha256:/, ''), 'hex');

/** What is wrong with a consistency proof (nothing: the newer tree extends the older). */
export function checkConsistency(proof: ConsistencyProof, publicKey: KeyObject): string[] {
  if (proof.format !== 'lethe.consistency-proof.v1') return [`unknown proof format ${String(proof.format)}`];
  const problems: string[] = [];
  for (const [name, head] of [
    ['older', proof.from],
    ['newer', proof.to],
  ] as const) {
    const refused = treeHeadRefused(head, publicKey);
    if (refused) problems.push(`the ${name} tree head is ${refused}`);
  }
  if (proof.from.size > proof.to.size)
    problems.push(
      `the older tree head (${proof.from.size} entries) is larger than the newer (${proof.to.size})`,
    );
  else if (
    !verifyConsistency(
      proof.from.size,
      proof.to.size,
      proof.proof.map((hash) => Buffer.from(hash, 'hex')),
      rootBytes(proof.from),
      rootBytes(proof.to),
    )
  )
    problems.push(
      'the proof does not show the newer tree extends the older: entries were changed or removed',
    );
  return problems;
}

/** The consistency proof of `leaves` from the tree head `from` to the head `to`. */
export function consistencyProofBetween(
  leaves: readonly Buffer[],
  from: SignedTreeHead,
  to: SignedTreeHead,
): ConsistencyProof {
  return {
    format: 'lethe.consistency-proof.v1',
    from,
    to,
    proof: consistencyProof(leaves.slice(0, to.size), from.size).map((hash) => hash.toString('hex')),
  };
}

/**
 * Proves the ledger as it is now extends `from` (a head an auditor kept): the proof runs to the
 * newest signed head. Undefined when there is no head yet, or `from` is larger than the ledger.
 * The proof is made from the ledger as it is: if it was rewritten, the proof says so when checked.
 */
export async function proveConsistency(deps: {
  kafka: KafkaClient;
  codec: EventCodec;
  from: SignedTreeHead;
  topicName?: (logical: string) => string;
}): Promise<ConsistencyProof | undefined> {
  const { leaves, heads } = await readLedgerTree(deps);
  const to = heads.at(-1);
  if (!to || deps.from.size > to.size || deps.from.size < 1) return undefined;
  return consistencyProofBetween(leaves, deps.from, to);
}

/** The newest signed tree head on the ledger: what an auditor keeps to check growth later. */
export async function latestTreeHead(deps: {
  kafka: KafkaClient;
  codec: EventCodec;
  topicName?: (logical: string) => string;
}): Promise<SignedTreeHead | undefined> {
  return (await readLedgerTree(deps)).heads.at(-1);
}
