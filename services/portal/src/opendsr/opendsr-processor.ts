import type { LetheApi } from '../api/lethe-api';
import type { OpenDsrRequest } from './opendsr-request';
import type { OpenDsrRecord, OpenDsrStatus, OpenDsrStore } from './opendsr-store';

// OpenDSR requests become Lethe's own: an erasure is the account's deletion (the same request
// the subject's "Delete my account" makes), access and portability an access request. The
// controller's subject_request_id makes a retried POST return the request already made.

const DAY_MS = 24 * 60 * 60 * 1000;
/** GDPR article 12(3): one month; the erasure's own deadline replaces it once it is known. */
const ACCESS_DUE_MS = 30 * DAY_MS;

export interface OpenDsrProcessor {
  /** The record for this controller's request, made (and acted on) if it is new. */
  submit(controllerId: string, request: OpenDsrRequest): Promise<{ created: boolean; record: OpenDsrRecord }>;
  /** The record with its status read from Lethe now; nothing is saved (the callback loop does). */
  refresh(record: OpenDsrRecord): Promise<OpenDsrRecord>;
  /** The package of a completed access request; undefined when there is none (any more). */
  results(record: OpenDsrRecord): Promise<string | undefined>;
}

const FINAL: readonly OpenDsrStatus[] = ['completed', 'cancelled'];
export const isFinal = (status: OpenDsrStatus) => FINAL.includes(status);

export function openDsrProcessor(deps: {
  api: LetheApi;
  store: OpenDsrStore;
  now?: () => number;
}): OpenDsrProcessor {
  const now = deps.now ?? Date.now;

  /** Lethe's subject for the identity; null when it names no live account. */
  async function subjectOf(identity: OpenDsrRequest['identity']): Promise<string | null> {
    if (identity.kind === 'email') return (await deps.api.findAccount(identity.value)) ?? null;
    const profile = await deps.api.profile(identity.value);
    return profile && profile.status !== 'deleted' ? profile.subjectId : null;
  }

  /** Makes Lethe's request for a record that has none yet. */
  async function act(record: OpenDsrRecord): Promise<OpenDsrRecord> {
    if (record.subjectId === null || record.requestId !== null || record.status === 'cancelled')
      return record;
    if (record.type === 'erasure') {
      const requestId = await deps.api.deleteAccount(record.subjectId);
      return { ...record, requestId, status: 'in_progress' };
    }
    const made = await deps.api.requestExport(record.subjectId);
    return { ...record, requestId: made.requestId, status: 'in_progress' };
  }

  const processor: OpenDsrProcessor = {
    async submit(controllerId, request) {
      const subjectId = await subjectOf(request.identity);
      const receivedAt = new Date(now()).toISOString();
      const claimed = await deps.store.claim({
        controllerId,
        subjectRequestId: request.subjectRequestId,
        type: request.type,
        regulation: request.regulation,
        subjectId,
        requestId: null,
        receivedAt,
        expectedAt: new Date(now() + ACCESS_DUE_MS).toISOString(),
        // No account: nothing is held, so the request is fulfilled as it arrives.
        status: subjectId === null ? 'completed' : 'pending',
        resultsCount: subjectId === null ? 0 : null,
        callbacks: request.callbackUrls.map((url) => ({
          url,
          delivered: null,
          attempts: 0,
          nextAt: 0,
          failingSince: null,
        })),
      });
      // A retry of a request whose first try stopped before Lethe's request was made makes it now.
      const acted = await act(claimed.record);
      if (acted !== claimed.record) await deps.store.save(acted);
      return { created: claimed.created, record: await processor.refresh(acted) };
    },

    async refresh(record) {
      if (record.subjectId === null || record.requestId === null || isFinal(record.status)) return record;
      return { ...record, ...(await currentState(record, record.subjectId, record.requestId)) };
    },

    async results(record) {
      if (record.type === 'erasure' || record.subjectId === null || record.requestId === null)
        return undefined;
      return deps.api.exportPackage(record.subjectId, record.requestId);
    },
  };

  async function currentState(
    record: OpenDsrRecord,
    subjectId: string,
    requestId: string,
  ): Promise<Pick<OpenDsrRecord, 'status' | 'expectedAt' | 'resultsCount'>> {
    if (record.type === 'erasure') {
      const view = await deps.api.erasureRequest(subjectId, requestId);
      if (!view) return { status: 'pending', expectedAt: record.expectedAt, resultsCount: null };
      return {
        status: view.status === 'completed' ? 'completed' : 'in_progress',
        expectedAt: view.dueAt,
        resultsCount: null,
      };
    }
    const view = await deps.api.exportRequest(subjectId, requestId);
    if (!view) return { status: 'pending', expectedAt: record.expectedAt, resultsCount: null };
    if (view.status === 'in-progress')
      return { status: 'in_progress', expectedAt: record.expectedAt, resultsCount: null };
    // Ready, or ready once and since expired or erased: fulfilled either way.
    const count = view.participants.reduce((sum, participant) => sum + participant.records, 0);
    return { status: 'completed', expectedAt: record.expectedAt, resultsCount: count };
  }

  return processor;
}
