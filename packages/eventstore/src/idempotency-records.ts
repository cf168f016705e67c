import type { Db } from 'mongodb';

import { isDuplicateKey } from './errors';

export const IDEMPOTENCY_KEYS = 'idempotency_keys';

interface KeyDocument {
  _id: string;
  fingerprint: string;
  createdAt: Date;
  answer?: { status: number; contentType: string | null; body: string };
}

/**
 * Idempotency keys and their first answers, as inserts and finds by `_id` only (constant time on
 * FerretDB, like the stream store): `<id>` when a request first comes, `<id>#answer` once it
 * has an answer worth giving again. The ids are digests: no key or caller is stored in the clear.
 */
export function mongoIdempotencyRecords(db: Db) {
  const keys = db.collection<KeyDocument>(IDEMPOTENCY_KEYS);
  const insertOnce = (doc: KeyDocument) =>
    keys.insertOne(doc).then(
      () => true,
      (error: unknown) => {
        if (isDuplicateKey(error)) return false;
        throw error;
      },
    );
  return {
    async claim(id: string, fingerprint: string) {
      const answered = await keys.findOne({ _id: `${id}#answer` });
      if (answered?.answer)
        return answered.fingerprint === fingerprint
          ? ({ kind: 'answered', answer: answered.answer } as const)
          : ({ kind: 'other-request' } as const);
      if (await insertOnce({ _id: id, fingerprint, createdAt: new Date() }))
        return { kind: 'first' } as const;
      // Seen before without an answer kept (it failed, or is still running): the same request
      // runs again and meets what the first run created; another request may not use the key.
      const first = await keys.findOne({ _id: id });
      return first && first.fingerprint !== fingerprint
        ? ({ kind: 'other-request' } as const)
        : ({ kind: 'first' } as const);
    },
    async answered(id: string, fingerprint: string, answer: NonNullable<KeyDocument['answer']>) {
      await insertOnce({
        _id: `${id}#answer`,
        fingerprint,
        createdAt: new Date(),
        answer,
      });
    },
  };
}
