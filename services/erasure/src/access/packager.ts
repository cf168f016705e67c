import { createHash } from 'node:crypto';

import {
  exportPrivateKey,
  legacySealingAccepted,
  LEGACY_SEALING_UNTIL_DEFAULT,
  openExport,
  type FieldCipher,
  type KeyVault,
} from '@lethe/crypto';

import type { AccessStore } from './access-store';
import type { AccessRequest, AccessState } from './model';

/** What the subject downloads: JSON any tool can read, the same data the dashboard renders. */
export interface AccessPackage {
  readonly format: 'lethe.access-package.v1';
  readonly requestId: string;
  readonly subjectId: string;
  readonly requestedAt: string;
  readonly generatedAt: string;
  readonly expiresAt: string;
  readonly participants: readonly {
    readonly participantId: string;
    readonly stores: readonly string[];
    readonly categories: readonly string[];
    readonly outcome: string;
    readonly records: Readonly<Record<string, readonly unknown[]>>;
  }[];
}

/** Where a package is bound at rest: its own subject and request, so a copy elsewhere does not open. */
export const packageAddress = (subjectId: string, requestId: string) => ({
  subjectId,
  context: 'access_packages',
  recordId: requestId,
  field: 'package',
});

export const packageDigest = (json: string) => `sha256:${createHash('sha256').update(json).digest('hex')}`;

export type Packaged = { kind: 'packaged'; digest: string } | { kind: 'subject-erased' };

/**
 * Opens each answer with the request's key (derived again from the subject's key), puts them in
 * one package and keeps it encrypted under the subject's key. Run again after a crash it makes
 * the same package: the stored one is kept (insert once) and its digest is what it returns.
 */
export async function makePackage(
  deps: {
    vault: KeyVault;
    cipher: FieldCipher;
    store: AccessStore;
    declared: (participantId: string) => { stores: readonly string[]; categories: readonly string[] };
    /** Answers to requests made before it may be sealed in the pre-HPKE format. */
    legacySealingUntil?: Date;
  },
  request: Extract<AccessState, { status: 'open' }> & AccessRequest,
  generatedAt: Date,
  expiresAt: Date,
): Promise<Packaged> {
  const { requestId, subjectId } = request;
  const keptDigest = async (): Promise<string | undefined> => {
    const kept = await deps.store.packageOf(requestId);
    if (!kept) return undefined;
    const opened = await deps.cipher.decrypt(packageAddress(subjectId, requestId), kept);
    return opened.kind === 'value' ? packageDigest(opened.value) : undefined;
  };
  const already = await keptDigest();
  if (already) return { kind: 'packaged', digest: already };
  const key = await deps.vault.lookup(subjectId);
  if (key.kind !== 'key') return { kind: 'subject-erased' };
  const privateKey = exportPrivateKey(key.key, requestId);
  // Decided by the request's own time, so packaging again after a crash decides the same way.
  const acceptLegacy = legacySealingAccepted(
    new Date(request.requestedAt),
    deps.legacySealingUntil ?? new Date(LEGACY_SEALING_UNTIL_DEFAULT),
  );
  const answers = await deps.store.answersOf(requestId);
  const pkg: AccessPackage = {
    format: 'lethe.access-package.v1',
    requestId,
    subjectId,
    requestedAt: new Date(request.requestedAt).toISOString(),
    generatedAt: generatedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    participants: request.participants.map((participantId) => {
      const sealed = answers.get(participantId);
      const answer = request.answers[participantId];
      const records =
        sealed && answer?.outcome === 'exported'
          ? (JSON.parse(
              openExport(privateKey, { requestId, subjectId, participantId }, sealed, { acceptLegacy }),
            ) as Record<string, unknown[]>)
          : {};
      return {
        participantId,
        ...deps.declared(participantId),
        outcome: answer?.outcome ?? 'no-answer',
        records,
      };
    }),
  };
  const json = JSON.stringify(pkg);
  await deps.store.keepPackage(
    requestId,
    subjectId,
    await deps.cipher.encrypt(packageAddress(subjectId, requestId), json),
    expiresAt,
  );
  // Another instance may have kept its package first: the kept one is the package.
  const digest = await keptDigest();
  return digest ? { kind: 'packaged', digest } : { kind: 'subject-erased' };
}
