import type { KeyObject } from 'node:crypto';

import { isEventOfType, type EventCodec } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';

import { entryHashOf, entryLeaf, recordDigest, type ChainEntry } from './chain';
import { readLedgerTree, treeHeadRefused, type SignedTreeHead } from './ledger-tree';
import { inclusionProof, verifyInclusion } from './merkle';

// A receipt proves one erasure to someone who has only it and the audit public key, in the
// manner of Certificate Transparency (RFC 9162): the ErasureCompleted record with its
// certificate, its ledger entry, the entry's inclusion proof, and the signed tree head it is in.

export interface ErasureReceipt {
  readonly format: 'lethe.erasure-receipt.v1';
  readonly requestId: string;
  readonly certificate: { readonly json: string; readonly digest: string };
  /** The ErasureCompleted record as the erasure log holds it (Confluent wire format, base64). */
  readonly record: {
    readonly topic: string;
    readonly partition: number;
    readonly offset: number;
    readonly value: string;
  };
  /** Its ledger entry, and the audit path (hex leaf and node hashes) from its leaf to the root. */
  readonly entry: ChainEntry & { readonly leafIndex: number; readonly proof: readonly string[] };
  /** The signed tree head it is in. */
  readonly treeHead: SignedTreeHead;
}

/** What is wrong with a receipt (nothing: it proves the erasure), checked offline. */
export function checkReceipt(receipt: ErasureReceipt, publicKey: KeyObject): string[] {
  const problems: string[] = [];
  const { certificate, record, entry, treeHead } = receipt;
  if (receipt.format !== 'lethe.erasure-receipt.v1')
    return [`unknown receipt format ${String(receipt.format)}`];
  if (treeHeadRefused(treeHead, publicKey)) problems.push('the tree head is not signed by this key');
  if (entryHashOf(entry) !== entry.entryHash)
    problems.push('the ledger entry does not hash to its entryHash');
  if (entry.leafIndex !== entry.seq - 1) problems.push('the entry is not at the leaf its seq names');
  if (entry.seq > treeHead.size)
    problems.push(`the tree head (size ${treeHead.size}) is older than the entry (seq ${entry.seq})`);
  else if (
    !verifyInclusion(
      entryLeaf(entry.entryHash),
      entry.leafIndex,
      treeHead.size,
      entry.proof.map((hash) => Buffer.from(hash, 'hex')),
      Buffer.from(treeHead.rootHash.replace(/^sha256:/, ''), 'hex'),
    )
  )
    problems.push('the inclusion proof does not lead to the signed root');
  const value = Buffer.from(record.value, 'base64');
  const ref = entry.eventRef;
  if (ref.topic !== record.topic || ref.partition !== record.partition || ref.offset !== record.offset)
    problems.push('the ledger entry is for another record');
  if (ref.type !== 'ErasureCompleted') problems.push('the ledger entry is not an ErasureCompleted');
  if (recordDigest(value) !== entry.eventDigest)
    problems.push('the record is not the one the ledger entry digests');
  if (recordDigest(Buffer.from(certificate.json, 'utf8')) !== certificate.digest)
    problems.push('the certificate does not hash to its digest');
  // Avro writes strings as their UTF-8 bytes: the record holds the certificate and the request id verbatim.
  for (const [what, text] of [
    ['certificate', certificate.json],
    ['certificate digest', certificate.digest],
    ['request id', receipt.requestId],
  ] as const)
    if (!value.includes(Buffer.from(text, 'utf8'))) problems.push(`the record does not carry this ${what}`);
  return problems;
}

/**
 * Makes the receipt of a completed erasure: finds its ErasureCompleted on the erasure log, its
 * entry in the ledger, and the newest signed tree head that includes it. Undefined when the
 * request has no completion, or no tree head covers it yet.
 */
export async function proveErasure(deps: {
  kafka: KafkaClient;
  codec: EventCodec;
  requestId: string;
  topicName?: (logical: string) => string;
}): Promise<ErasureReceipt | undefined> {
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const erasureTopic = topicName('lethe.erasure.events.v1');
  let completion:
    | { partition: number; offset: number; value: Buffer; certificate: { json: string; digest: string } }
    | undefined;
  await deps.kafka.readTopic(erasureTopic, async ({ partition, offset, value }) => {
    if (completion || !value) return;
    const { event } = await deps.codec.decode(value);
    if (isEventOfType(event, 'ErasureCompleted') && event.data.requestId === deps.requestId)
      completion = { partition, offset: Number(offset), value, certificate: event.data.certificate };
  });
  if (!completion) return undefined;

  let entry: ChainEntry | undefined;
  const { leaves, heads } = await readLedgerTree({
    ...deps,
    onEntry: (data) => {
      const ref = data.eventRef;
      if (
        ref.topic === erasureTopic &&
        ref.partition === completion!.partition &&
        Number(ref.offset) === completion!.offset
      )
        entry = { ...data, seq: Number(data.seq), eventRef: { ...ref, offset: Number(ref.offset) } };
    },
  });
  const head = heads.at(-1);
  if (!entry || !head || head.size < entry.seq) return undefined;
  return receiptFrom(deps.requestId, { topic: erasureTopic, ...completion }, entry, leaves, head);
}

/** The receipt of `entry` (the completion's ledger entry) under the tree head `head`. */
export function receiptFrom(
  requestId: string,
  completion: {
    topic: string;
    partition: number;
    offset: number;
    value: Buffer;
    certificate: { json: string; digest: string };
  },
  entry: ChainEntry,
  leaves: readonly Buffer[],
  head: SignedTreeHead,
): ErasureReceipt {
  const leafIndex = entry.seq - 1;
  return {
    format: 'lethe.erasure-receipt.v1',
    requestId,
    certificate: completion.certificate,
    record: {
      topic: completion.topic,
      partition: completion.partition,
      offset: completion.offset,
      value: completion.value.toString('base64'),
    },
    entry: {
      ...entry,
      leafIndex,
      proof: inclusionProof(leaves.slice(0, head.size), leafIndex).map((hash) => hash.toString('hex')),
    },
    treeHead: head,
  };
}
