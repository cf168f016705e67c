import { assertNever } from '@lethe/eventstore';

import type { ErasureEvent, ErasureState } from './model';

/** How each event changes a subject's erasure state. */
export function evolveErasure(state: ErasureState, event: ErasureEvent): ErasureState {
  switch (event.type) {
    case 'ErasureRequested': {
      return {
        status: 'open',
        request: event.data,
        tasks: [],
        completed: state.completed,
        holds: state.holds,
        blocked: false,
        atRiskRaised: false,
      };
    }
    case 'ErasureBlocked':
      return state.status === 'open' ? { ...state, blocked: true } : state;
    case 'ErasurePlanned':
      return state.status === 'open' ? { ...state, tasks: event.data.tasks, blocked: false } : state;
    case 'HoldPlaced':
      return { ...state, holds: [...state.holds, event.data.holdId] };
    case 'HoldReleased':
      return { ...state, holds: state.holds.filter((holdId) => holdId !== event.data.holdId) };
    case 'ErasureTaskIssued':
      if (state.status !== 'open') return state;
      return {
        ...state,
        tasks: state.tasks.map((t) =>
          t.participantId === event.data.participantId
            ? {
                ...t,
                attempt: event.data.attempt,
                status: 'issued',
                deadlineAt: event.data.deadlineAt,
                retryAt: null,
              }
            : t,
        ),
      };
    case 'TaskOutcomeRecorded': {
      if (state.status !== 'open') return state;
      const status = event.data.status === 'retrying' ? 'backoff' : event.data.status;
      return {
        ...state,
        tasks: state.tasks.map((t) =>
          t.participantId === event.data.participantId
            ? {
                ...t,
                status,
                result: event.data.result,
                failureCode: event.data.failureCode,
                deadlineAt: null,
                retryAt: event.data.retryAt ?? null,
              }
            : t,
        ),
      };
    }
    case 'ErasureTaskRetried':
    case 'TaskAnswerAccepted':
      return state; // the TaskOutcomeRecorded that follows it changes the task
    case 'ErasureDeadlineAtRisk':
      return state.status === 'open' ? { ...state, atRiskRaised: true } : state;
    case 'ErasureDeadlineExtended': {
      if (state.status !== 'open') return state;
      const { requestId: _request, ...extension } = event.data;
      const extensions = [...(state.request.extensions ?? []), extension];
      // The warning is given again a week before the new deadline.
      return {
        ...state,
        request: { ...state.request, dueAt: extension.dueAt, extensions },
        atRiskRaised: false,
      };
    }
    case 'ProviderRetentionElapsed': {
      const { requestId, participantId } = event.data;
      const completed = state.completed.map((done) =>
        done.request.requestId === requestId
          ? { ...done, providerRetentionElapsed: [...(done.providerRetentionElapsed ?? []), participantId] }
          : done,
      );
      return { ...state, completed };
    }
    case 'ErasureCompleted': {
      if (state.status !== 'open') return state;
      const { result, outcomes, certificate } = event.data;
      return {
        status: 'idle',
        completed: [...state.completed, { request: state.request, result, outcomes, certificate }],
        holds: state.holds,
      };
    }
    default:
      return assertNever(event);
  }
}
