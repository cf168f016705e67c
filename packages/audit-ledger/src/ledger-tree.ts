import type { KeyObject } from 'node:crypto';

import { isEventOfType, type AuditEntryData, type EventCodec } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';

import { checkpointValid, entryLeaf } from './chain';
import { LEDGER_TOPIC } from './topics';

// The ledger as a Merkle tree: its leaves in seq order and the tree heads its checkpoints signed.
// Receipts and consistency proofs are both made from one read of it.

/** A signed tree head: an AuditCheckpoint's seq, entryHash, tree size and root, and signature. */
export interface SignedTreeHead {
  readonly seq: number;
  readonly entryHash: string;
  readonly size: number;
  readonly rootHash: string;
  readonly keyId: string;
  /** Ed25519 over the checkpoint bytes (docs/ledger-format.md), base64. */
  readonly signature: string;
}

/** Why a tree head is not one the audit key signed (undefined: it is). */
export function treeHeadRefused(head: SignedTreeHead, publicKey: KeyObject): string | undefined {
  const signed = checkpointValid(publicKey, head.seq, head.entryHash, Buffer.from(head.signature, 'base64'), {
    size: head.size,
    rootHash: head.rootHash,
  });
  // A checkpoint signs the tree of every entry up to its own seq: any other size is not its tree.
  return signed && head.seq === head.size ? undefined : 'not signed by this key';
}

export interface LedgerTree {
  /** Leaf hashes, leaf i being the entry of seq i + 1. */
  readonly leaves: Buffer[];
  /** Every signed tree head on the ledger, oldest first. */
  readonly heads: SignedTreeHead[];
}

/** Reads the whole ledger once; `onEntry` sees each entry (to find one a receipt is for). */
export async function readLedgerTree(deps: {
  kafka: KafkaClient;
  codec: EventCodec;
  topicName?: (logical: string) => string;
  onEntry?: (entry: AuditEntryData) => void;
}): Promise<LedgerTree> {
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const tree: LedgerTree = { leaves: [], heads: [] };
  await deps.kafka.readTopic(
    topicName(LEDGER_TOPIC),
    async (record) => {
      const { event } = await deps.codec.decode(record.value!);
      if (isEventOfType(event, 'AuditEntry')) {
        tree.leaves.push(entryLeaf(event.data.entryHash));
        deps.onEntry?.(event.data);
      } else if (
        isEventOfType(event, 'AuditCheckpoint') &&
        event.data.treeSize !== null &&
        event.data.rootHash !== null
      )
        tree.heads.push({
          seq: Number(event.data.seq),
          entryHash: event.data.entryHash,
          size: Number(event.data.treeSize),
          rootHash: event.data.rootHash,
          keyId: event.data.keyId,
          signature: Buffer.from(event.data.signature).toString('base64'),
        });
    },
    { transactional: true },
  );
  return tree;
}
