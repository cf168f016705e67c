import type { ExportResult, ExportTask, ParticipantDeclaration } from '@lethe/participant';

import type { RetentionState } from './model';

// The retention service answers access requests with what it keeps about a subject: the
// retention clocks running for them (when each started and will run out, by which policy) and
// whether a legal hold stands, since when and until when. Why a hold stands is an operator's
// record, never the subject's. It erases nothing: its clocks stop when the account is erased,
// and a hold's text is sealed under the subject's key, which the key vault shreds. So it
// declares no categories, and no erasure plans it.

export const RETENTION_SCHEDULE_PARTICIPANT: ParticipantDeclaration = {
  participantId: 'retention-schedule',
  stores: ['mongodb:retention_streams'],
  categories: [],
  phase: 1,
  timeoutMs: 30_000,
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The subject's retention schedule as the subject may read it. */
export function retentionExport(
  read: (subjectId: string) => Promise<RetentionState | undefined>,
): (task: ExportTask) => Promise<ExportResult> {
  return async ({ subjectId }): Promise<ExportResult> => {
    const state = await read(subjectId);
    if (!state?.known) return { records: {} };
    return {
      records: {
        'retention-clocks': Object.entries(state.clocks).map(([clock, run]) => ({
          clock,
          policyVersion: run.policyVersion,
          startedAt: iso(run.startedAt),
          expiresAt: iso(run.expiresAt),
          noticeAt: iso(run.noticeAt),
        })),
        'legal-holds': Object.values(state.holds).map((hold) => ({
          placedAt: iso(hold.placedAt),
          until: iso(hold.until),
        })),
        'retention-expiries': state.expired.map((expiry) => ({
          clock: expiry.clock,
          expiredAt: iso(expiry.expiredAt),
          policyVersion: expiry.policyVersion,
        })),
      },
    };
  };
}
