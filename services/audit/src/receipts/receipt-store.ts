import type { Db } from 'mongodb';

import type { ErasureReceipt } from '@lethe/audit-ledger';

// Receipts made once and kept: a receipt stays valid for good (its entry is in its signed head's
// tree, whatever the ledger appends later), and making one replays the whole ledger. The first
// ask for a request pays that; every later one (a subject downloading it again, an auditor) reads
// one document.

export interface StoredReceipt {
  readonly receipt: ErasureReceipt;
  /** Whose erasure it proves (from its certificate): a subject may fetch only their own. */
  readonly subjectId: string | null;
}

export type ReceiptSource = (requestId: string) => Promise<StoredReceipt | undefined>;

interface ReceiptDocument {
  _id: string;
  subjectId: string | null;
  receipt: ErasureReceipt;
}

const subjectOf = (receipt: ErasureReceipt): string | null => {
  const certificate = JSON.parse(receipt.certificate.json) as { subjectId?: unknown };
  return typeof certificate.subjectId === 'string' ? certificate.subjectId : null;
};

export function storedReceipts(
  db: Db,
  prove: (requestId: string) => Promise<ErasureReceipt | undefined>,
): ReceiptSource {
  const receipts = db.collection<ReceiptDocument>('receipts');
  return async (requestId) => {
    const kept = await receipts.findOne({ _id: requestId });
    if (kept) return { receipt: kept.receipt, subjectId: kept.subjectId };
    const receipt = await prove(requestId);
    if (!receipt) return undefined; // not completed, or no signed head covers it yet: ask again later
    const subjectId = subjectOf(receipt);
    // Two first asks at once make the same receipt, or one under a newer head: either proves it.
    await receipts.updateOne({ _id: requestId }, { $setOnInsert: { subjectId, receipt } }, { upsert: true });
    return { receipt, subjectId };
  };
}
