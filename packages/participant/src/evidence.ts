import { createHash } from 'node:crypto';

import { canonicalJson } from '@lethe/events';

export { canonicalJson };

export function evidenceDigest(evidence: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(evidence)).digest('hex')}`;
}
