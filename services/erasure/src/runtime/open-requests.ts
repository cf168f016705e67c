import type { StreamStore } from '@lethe/eventstore';

import {
  AT_RISK_BEFORE_DUE_MS,
  upcastErasureState,
  type ErasureState,
  type StoredErasureState,
} from '../request/model';

// The requests not yet completed, from the event store's in-flight side collection (never a
// scan of every stream), each with where it stands against its deadline: what the operator
// console lists and what /metrics counts.

type OpenState = Extract<ErasureState, { status: 'open' }>;

export interface Standing {
  readonly blocked: boolean;
  /** Not blocked, the deadline a week away or less. */
  readonly atRisk: boolean;
  /** Not blocked, the deadline passed (a hold defers the deadline, so blocked is neither). */
  readonly overdue: boolean;
}

export function standingOf({ request, blocked }: OpenState, at: number): Standing {
  return {
    blocked,
    atRisk: !blocked && at >= request.dueAt - AT_RISK_BEFORE_DUE_MS && at < request.dueAt,
    overdue: !blocked && at >= request.dueAt,
  };
}

export async function openRequestStates(
  streams: StreamStore<StoredErasureState>,
  limit: number,
): Promise<OpenState[]> {
  return (await streams.inFlight(limit))
    .map(({ state }) => upcastErasureState(state))
    .flatMap((state) => (state.status === 'open' ? [state] : []));
}

export interface OpenRequestView extends Standing {
  readonly requestId: string;
  readonly subjectId: string;
  readonly reason: string;
  readonly regulation: string | null;
  readonly requestedAt: string;
  readonly dueAt: string;
}

/** The open requests, the most urgent deadline first. */
export async function listOpenRequests(
  streams: StreamStore<StoredErasureState>,
  at: number,
  limit: number,
): Promise<OpenRequestView[]> {
  return (await openRequestStates(streams, limit))
    .map((state) => ({
      requestId: state.request.requestId,
      subjectId: state.request.subjectId,
      reason: state.request.reason,
      regulation: state.request.regulation,
      requestedAt: new Date(state.request.requestedAt).toISOString(),
      dueAt: new Date(state.request.dueAt).toISOString(),
      ...standingOf(state, at),
    }))
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}
