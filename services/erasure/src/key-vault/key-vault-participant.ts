import type { KeyVault } from '@lethe/crypto';
import type { ParticipantDeclaration, TaskResult, ErasureTask } from '@lethe/participant';

/** Whole-account scope only, and last of all: shredding the key voids every sealed field of
 * the subject, wherever its ciphertext lives (the Kafka log, backups). */
export const KEY_VAULT_PARTICIPANT: ParticipantDeclaration = {
  participantId: 'key-vault',
  stores: ['mongodb:subject_keys'],
  categories: ['account'],
  phase: 99,
  timeoutMs: 30_000,
};

/**
 * The key-vault participant's task: destroy the subject's key and record it as forgotten. In the
 * vault the rest of the service seals with, so its cached copy of the key goes at once too.
 */
export function shredSubjectKey({ vault, now }: { vault: KeyVault; now: () => Date }) {
  return async ({ subjectId, requestId }: ErasureTask): Promise<TaskResult> => {
    const evidence = await vault.shred(subjectId, { requestId, at: now() });
    return {
      outcome: 'erased',
      counts: { 'mongodb:subject_keys': evidence.destroyed ? 1 : 0 },
      verifiedEmpty: evidence.verifiedEmpty,
      evidence: { keyPresent: !evidence.verifiedEmpty, forgottenRecorded: evidence.verifiedEmpty },
    };
  };
}
