import { createHash } from 'node:crypto';

import { canonicalJson } from '@lethe/participant';

import type { Outcome, RequestInfo } from './model';

export function certificateOf(
  request: RequestInfo,
  result: 'complete' | 'partial',
  outcomes: readonly Outcome[],
  completedAt: number,
) {
  const json = canonicalJson({
    certificate: 'lethe.erasure.v1',
    requestId: request.requestId,
    subjectId: request.subjectId,
    scope: request.scope,
    reason: request.reason,
    regulation: request.regulation,
    requestedAt: new Date(request.requestedAt).toISOString(),
    dueAt: new Date(request.dueAt).toISOString(),
    completedAt: new Date(completedAt).toISOString(),
    result,
    outcomes: [...outcomes].sort((a, b) => (a.participantId < b.participantId ? -1 : 1)),
  });
  return { json, digest: `sha256:${createHash('sha256').update(json).digest('hex')}` };
}
