import type { Decider } from '@lethe/eventstore';

import { certificateOf } from './certificate';
import {
  deadlineFor,
  MAX_ATTEMPTS,
  type ErasureCommand,
  type ErasureEvent,
  type ErasureState,
  type Outcome,
  type Task,
} from './model';

function assertNever(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}

function inScope(
  categories: readonly string[],
  scope: { all: boolean; categories: readonly string[] },
): boolean {
  return scope.all || categories.some((category) => scope.categories.includes(category));
}

function issue(
  requestId: string,
  scope: { all: boolean; categories: readonly string[] },
  task: Task,
  attempt: number,
  now: Date,
): ErasureEvent {
  return {
    type: 'ErasureTaskIssued',
    data: {
      requestId,
      participantId: task.participantId,
      attempt,
      phase: task.phase,
      scope,
      deadlineAt: now.getTime() + task.timeoutMs,
    },
  };
}

/** After the tasks changed: the next phase's tasks, or the completion once every task is terminal. */
function advance(state: Extract<ErasureState, { status: 'open' }>, now: Date): ErasureEvent[] {
  const { request, tasks } = state;
  if (tasks.some((task) => task.status === 'issued')) return [];
  const waiting = tasks.filter((task) => task.status === 'waiting');
  if (waiting.length > 0) {
    const phase = Math.min(...waiting.map((task) => task.phase));
    return waiting
      .filter((task) => task.phase === phase)
      .map((task) => issue(request.requestId, request.scope, task, 1, now));
  }
  const outcomes: Outcome[] = tasks.map((task) => ({
    participantId: task.participantId,
    outcome: task.status === 'done' ? task.result!.outcome : 'failed',
    counts: task.result?.counts ?? {},
    verifiedEmpty: task.result?.verifiedEmpty ?? false,
    evidenceDigest: task.result?.evidenceDigest ?? '',
    retainedUntil: task.result?.retainedUntil ?? null,
  }));
  // A partial result says so: any failed task, or a read-back that still found data.
  const result = outcomes.every((o) => o.outcome !== 'failed' && o.verifiedEmpty) ? 'complete' : 'partial';
  return [
    {
      type: 'ErasureCompleted',
      data: {
        requestId: request.requestId,
        result,
        outcomes,
        certificate: certificateOf(request, result, outcomes, now.getTime()),
      },
    },
  ];
}

function decide(command: ErasureCommand, state: ErasureState): ErasureEvent[] {
  const now = command.metadata.now;
  switch (command.type) {
    case 'RequestErasure': {
      // One open at a time per subject; a repeat of a finished request changes nothing.
      if (
        state.status === 'open' ||
        state.completed.some((c) => c.request.requestId === command.data.requestId)
      )
        return [];
      const { participants, ...info } = command.data;
      const request = {
        ...info,
        requestedAt: now.getTime(),
        dueAt: deadlineFor(info.regulation, now.getTime()),
      };
      const tasks: Task[] = participants
        .filter((p) => inScope(p.categories, request.scope))
        .map((p) => ({
          participantId: p.participantId,
          phase: p.phase,
          categories: p.categories,
          timeoutMs: p.timeoutMs,
          attempt: 0,
          status: 'waiting',
          deadlineAt: null,
          result: null,
          failureCode: null,
        }));
      const opened: ErasureEvent[] = [
        { type: 'ErasureRequested', data: request },
        { type: 'ErasurePlanned', data: { requestId: request.requestId, tasks } },
      ];
      const next = opened.reduce(evolve, state) as Extract<ErasureState, { status: 'open' }>;
      return [...opened, ...advance(next, now)];
    }
    case 'RecordTaskOutcome': {
      if (state.status !== 'open' || state.request.requestId !== command.data.requestId) return [];
      const task = state.tasks.find((t) => t.participantId === command.data.participantId);
      // Answers to an older attempt, or repeated answers, change nothing: tasks are idempotent.
      if (!task || task.status !== 'issued' || task.attempt !== command.data.attempt) return [];
      const { completed, failed } = command.data;
      let recorded: ErasureEvent;
      const retry: ErasureEvent[] = [];
      if (completed) {
        recorded = {
          type: 'TaskOutcomeRecorded',
          data: {
            participantId: task.participantId,
            attempt: task.attempt,
            status: 'done',
            result: completed,
            failureCode: null,
          },
        };
      } else if (failed?.retriable && task.attempt < MAX_ATTEMPTS) {
        recorded = {
          type: 'TaskOutcomeRecorded',
          data: {
            participantId: task.participantId,
            attempt: task.attempt,
            status: 'retrying',
            result: null,
            failureCode: failed.code,
          },
        };
        retry.push(issue(state.request.requestId, state.request.scope, task, task.attempt + 1, now));
      } else {
        recorded = {
          type: 'TaskOutcomeRecorded',
          data: {
            participantId: task.participantId,
            attempt: task.attempt,
            status: 'failed',
            result: null,
            failureCode: failed?.code ?? 'UNKNOWN',
          },
        };
      }
      const next = [recorded, ...retry].reduce(evolve, state) as Extract<ErasureState, { status: 'open' }>;
      return [recorded, ...retry, ...advance(next, now)];
    }
    default:
      return assertNever(command);
  }
}

function evolve(state: ErasureState, event: ErasureEvent): ErasureState {
  switch (event.type) {
    case 'ErasureRequested':
      return { status: 'open', request: event.data, tasks: [], completed: state.completed };
    case 'ErasurePlanned':
      return state.status === 'open' ? { ...state, tasks: event.data.tasks } : state;
    case 'ErasureTaskIssued':
      if (state.status !== 'open') return state;
      return {
        ...state,
        tasks: state.tasks.map((t) =>
          t.participantId === event.data.participantId
            ? { ...t, attempt: event.data.attempt, status: 'issued', deadlineAt: event.data.deadlineAt }
            : t,
        ),
      };
    case 'TaskOutcomeRecorded': {
      if (state.status !== 'open') return state;
      const status = event.data.status === 'retrying' ? 'issued' : event.data.status;
      return {
        ...state,
        tasks: state.tasks.map((t) =>
          t.participantId === event.data.participantId
            ? { ...t, status, result: event.data.result, failureCode: event.data.failureCode }
            : t,
        ),
      };
    }
    case 'ErasureCompleted': {
      if (state.status !== 'open') return state;
      const { result, outcomes, certificate } = event.data;
      return {
        status: 'idle',
        completed: [...state.completed, { request: state.request, result, outcomes, certificate }],
      };
    }
    default:
      return assertNever(event);
  }
}

/** The earliest deadline among issued tasks: when the service must look at the request again. */
export function nextDeadline(state: ErasureState): Date | null {
  if (state.status !== 'open') return null;
  const deadlines = state.tasks
    .filter((t) => t.status === 'issued' && t.deadlineAt !== null)
    .map((t) => t.deadlineAt!);
  return deadlines.length > 0 ? new Date(Math.min(...deadlines)) : null;
}

export const erasureDecider: Decider<ErasureCommand, ErasureEvent, ErasureState> = {
  initialState: () => ({ status: 'idle', completed: [] }),
  decide,
  evolve,
};
