import type { S3Client } from '@aws-sdk/client-s3';

import type { ErasureTask, ParticipantDeclaration, TaskResult } from '@lethe/participant';
import { eraseS3Objects } from '@lethe/participant-s3';

export const OBJECT_STORE_PARTICIPANT: ParticipantDeclaration = {
  participantId: 'object-store',
  stores: [],
  categories: ['account', 'user-content'],
  phase: 1,
  timeoutMs: 60_000,
};

/**
 * The object-store participant over the buckets the operator names (LETHE_OBJECT_BUCKETS): in
 * each, every object, version and delete marker under `subjects/<subjectId>/`. One answer for
 * all of them: erased when any held something, verified only when every bucket reads back empty.
 */
export function eraseObjects(s3: S3Client, buckets: readonly string[]) {
  const erasers = buckets.map((bucket) => eraseS3Objects({ s3, bucket }));
  return async (task: ErasureTask): Promise<TaskResult> => {
    const results = [];
    for (const erase of erasers) results.push(await erase(task));
    return {
      outcome: results.some((r) => r.outcome === 'erased') ? 'erased' : 'not-found',
      counts: Object.assign({}, ...results.map((r) => r.counts)) as Record<string, number>,
      verifiedEmpty: results.every((r) => r.verifiedEmpty),
      evidence: results.map((r) => r.evidence),
    };
  };
}
