import { latestExtendedDeadline } from '@lethe/events';
import { assertNever, type Decider } from '@lethe/eventstore';

import { erasureCertificate } from '@lethe/audit-ledger';
import { evolveErasure } from './evolve';
import {
  AT_RISK_BEFORE_DUE_MS,
  deadlineFor,
  ErasureError,
  MAX_ATTEMPTS,
  retryBackoffMs,
  type ErasureCommand,
  type ErasureEvent,
  type ErasureState,
  type Outcome,
  type Registration,
  type Task,
  type TaskResult,
} from './model';

/** A participant that declares no categories holds nothing to erase (it only exports): never planned. */
function inScope(
  categories: readonly string[],
  scope: { all: boolean; categories: readonly string[] },
): boolean {
  if (categories.length === 0) return false;
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

/** Every registered participant whose categories meet the scope, waiting for its phase. */
function plan(request: OpenState['request'], participants: readonly Registration[]): ErasureEvent {
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
      retryAt: null,
      result: null,
      failureCode: null,
    }));
  return { type: 'ErasurePlanned', data: { requestId: request.requestId, tasks } };
}

/** A failed attempt: retried after a backoff while attempts remain and a retry can help. */
function attemptFailed(task: Task, failed: { retriable: boolean; code: string }, now: Date): ErasureEvent {
  const retry = failed.retriable && task.attempt < MAX_ATTEMPTS;
  return {
    type: 'TaskOutcomeRecorded',
    data: {
      participantId: task.participantId,
      attempt: task.attempt,
      status: retry ? 'retrying' : 'failed',
      result: null,
      failureCode: failed.code,
      retryAt: retry ? now.getTime() + retryBackoffMs(task.attempt) : null,
    },
  };
}

/**
 * Whether an answer changes a task of the open request: an answer to the attempt in hand, or
 * the proof of erasure from an attempt the service had given up waiting for (a slow
 * participant under load answers after its timeout: asking it again, and then ignoring every
 * late answer, would end the request with no answer from a participant that did erase). A
 * repeated answer, a late failure, or an attempt never issued changes nothing.
 */
function answersOpenTask(task: Task, answer: { attempt: number; completed: TaskResult | null }): boolean {
  if (task.status === 'issued' && task.attempt === answer.attempt) return true;
  const issuedBefore = answer.attempt >= 1 && answer.attempt <= task.attempt;
  return (
    issuedBefore &&
    answer.completed !== null &&
    (task.status === 'issued' || task.status === 'backoff' || task.status === 'failed')
  );
}

/** `events`, then whatever they make due: the next phase, or the completion. */
function andWhatFollows(state: OpenState, events: ErasureEvent[], now: Date): ErasureEvent[] {
  const next = events.reduce(evolveErasure, state) as OpenState;
  return [...events, ...advance(next, now)];
}

type OpenState = Extract<ErasureState, { status: 'open' }>;

/** After the tasks changed: the next phase's tasks, or the completion once every task is terminal. */
function advance(state: OpenState, now: Date): ErasureEvent[] {
  const { request, tasks } = state;
  if (state.blocked) return []; // nothing moves under a hold
  if (tasks.some((task) => task.status === 'issued' || task.status === 'backoff')) return [];
  const waiting = tasks.filter((task) => task.status === 'waiting');
  if (waiting.length > 0) {
    const phase = Math.min(...waiting.map((task) => task.phase));
    return waiting
      .filter((task) => task.phase === phase)
      .map((task) => issue(request.requestId, request.scope, task, 1, now));
  }
  const retainedUnderLaw = legalRetentionOf(request, tasks, now.getTime());
  const outcomes: Outcome[] = tasks.map((task) => ({
    participantId: task.participantId,
    outcome: task.status === 'done' ? task.result!.outcome : 'failed',
    counts: task.result?.counts ?? {},
    verifiedEmpty: task.result?.verifiedEmpty ?? false,
    evidenceDigest: task.result?.evidenceDigest ?? '',
    retainedUntil:
      task.result?.retainedUntil ??
      retainedUnderLaw.find((kept) => kept.participantId === task.participantId)?.until ??
      null,
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
        // The scope as the log carries it (`keep` always there), so a verifier recomputes it.
        certificate: erasureCertificate(
          { ...request, scope: { ...request.scope, keep: request.scope.keep ?? [] } },
          result,
          outcomes,
          now.getTime(),
          retainedUnderLaw,
        ),
      },
    },
  ];
}

/**
 * What participants keep under a legal obligation (`retained-legal` without a date of their own),
 * with the basis and the end the policy gives their data categories: its after-erasure clock
 * erases them then. None for a request made before the policy said (no terms in the request).
 */
function legalRetentionOf(request: OpenState['request'], tasks: readonly Task[], completedAt: number) {
  const terms = request.legalRetention ?? [];
  return tasks.flatMap((task) => {
    if (task.result?.outcome !== 'retained-legal' || task.result.retainedUntil !== null) return [];
    const term = terms.find((t) => t.categories.some((category) => task.categories.includes(category)));
    return term
      ? [
          {
            participantId: task.participantId,
            clock: term.clock,
            basis: term.basis,
            until: completedAt + term.keepForMs,
          },
        ]
      : [];
  });
}

type Command<T extends ErasureCommand['type']> = Extract<ErasureCommand, { type: T }>;

/** A new request: opened, then blocked by the holds that stand, or planned. */
function requestErasure(command: Command<'RequestErasure'>, state: ErasureState): ErasureEvent[] {
  const now = command.metadata.now;
  // One open at a time per subject; a repeat of a finished request changes nothing.
  if (state.status === 'open' || state.completed.some((c) => c.request.requestId === command.data.requestId))
    return [];
  const { participants, ...info } = command.data;
  const request = {
    ...info,
    requestedAt: now.getTime(),
    dueAt: deadlineFor(info.regulation, now.getTime()),
  };
  const requested: ErasureEvent = { type: 'ErasureRequested', data: request };
  // Under a legal hold nothing is planned or erased; the block itself is on the log.
  const holds = state.holds;
  if (holds.length > 0)
    return [
      requested,
      { type: 'ErasureBlocked', data: { requestId: request.requestId, holdIds: [...holds] } },
    ];
  const opened = evolveErasure(state, requested) as OpenState;
  return [requested, ...andWhatFollows(opened, [plan(opened.request, participants)], now)];
}

/** Provider-retention dates of completed requests still to pass, with whose they are. */
function pendingProviderRetention(state: ErasureState) {
  return state.completed.flatMap((done) =>
    done.outcomes
      .filter(
        (o) =>
          o.outcome === 'provider-retention' &&
          o.retainedUntil !== null &&
          !(done.providerRetentionElapsed ?? []).includes(o.participantId),
      )
      .map((o) => ({
        requestId: done.request.requestId,
        participantId: o.participantId,
        retainedUntil: o.retainedUntil!,
      })),
  );
}

/**
 * What the passing of time means: for an open request, timeouts, retries due, the deadline near;
 * for completed ones, the providers' retention dates that have passed.
 */
function tick(state: ErasureState, now: Date): ErasureEvent[] {
  const at = now.getTime();
  const elapsed: ErasureEvent[] = pendingProviderRetention(state)
    .filter((pending) => pending.retainedUntil <= at)
    .map((data) => ({ type: 'ProviderRetentionElapsed', data }));
  if (state.status !== 'open') return elapsed;
  return [...elapsed, ...tickOpen(state, now)];
}

function tickOpen(state: OpenState, now: Date): ErasureEvent[] {
  const at = now.getTime();
  const events: ErasureEvent[] = [];
  // A participant that never answers must not hang the request: a silent attempt past its
  // deadline counts as a retriable failure.
  for (const task of state.tasks)
    if (task.status === 'issued' && task.deadlineAt !== null && task.deadlineAt <= at)
      events.push(attemptFailed(task, { retriable: true, code: 'TASK_TIMEOUT' }, now));
  for (const task of state.tasks)
    if (task.status === 'backoff' && (task.retryAt ?? 0) <= at)
      events.push(issue(state.request.requestId, state.request.scope, task, task.attempt + 1, now));
  if (!state.atRiskRaised && at >= state.request.dueAt - AT_RISK_BEFORE_DUE_MS)
    events.push({
      type: 'ErasureDeadlineAtRisk',
      data: {
        requestId: state.request.requestId,
        dueAt: state.request.dueAt,
        openParticipants: state.tasks
          .filter((t) => t.status !== 'done' && t.status !== 'failed')
          .map((t) => t.participantId),
      },
    });
  return events.length === 0 ? [] : andWhatFollows(state, events, now);
}

/**
 * An operator moves an open request's deadline, within what its regulation allows counted from the
 * deadline it was first given. The same extension asked twice is recorded once.
 */
function extendDeadline(command: Command<'ExtendDeadline'>, state: ErasureState): ErasureEvent[] {
  const { requestId, dueAt, reason, extendedBy } = command.data;
  if (state.status !== 'open' || state.request.requestId !== requestId)
    throw new ErasureError('ERASURE_REQUEST_NOT_OPEN', 'only an open request can have its deadline extended');
  const { request } = state;
  const last = request.extensions?.at(-1);
  if (last && last.dueAt === dueAt && last.reason === reason) return [];
  const original = request.extensions?.[0]?.previousDueAt ?? request.dueAt;
  const latest = latestExtendedDeadline(request.regulation, original);
  if (latest === null)
    throw new ErasureError(
      'ERASURE_EXTENSION_NOT_ALLOWED',
      'only a request under GDPR or CCPA can have its deadline extended',
    );
  if (dueAt <= request.dueAt || dueAt > latest)
    throw new ErasureError(
      'ERASURE_EXTENSION_INVALID',
      `the new deadline must be after ${new Date(request.dueAt).toISOString()} and no later than ${new Date(latest).toISOString()} (${request.regulation})`,
    );
  return [
    {
      type: 'ErasureDeadlineExtended',
      data: {
        requestId,
        previousDueAt: request.dueAt,
        dueAt,
        reason,
        extendedBy,
        extendedAt: command.metadata.now.getTime(),
      },
    },
  ];
}

/**
 * An operator's retry: a task waiting out its backoff, or one that failed while the request is
 * still open, goes out again now as the next attempt. Recorded with who asked.
 */
function retryTask(command: Command<'RetryTask'>, state: ErasureState): ErasureEvent[] {
  const { requestId, participantId, retriedBy } = command.data;
  const now = command.metadata.now;
  if (state.status !== 'open' || state.request.requestId !== requestId)
    throw new ErasureError('ERASURE_REQUEST_NOT_OPEN', 'only a task of an open request can be retried');
  if (state.blocked)
    throw new ErasureError('ERASURE_REQUEST_BLOCKED', 'the request is blocked by a legal hold: nothing runs');
  const task = state.tasks.find((t) => t.participantId === participantId);
  if (!task) throw new ErasureError('ERASURE_TASK_NOT_FOUND', `no task for ${participantId} in this request`);
  if (task.status !== 'backoff' && task.status !== 'failed')
    throw new ErasureError(
      'ERASURE_TASK_NOT_RETRIABLE',
      `the task for ${participantId} is ${task.status}: only a failed task, or one waiting to retry, can be retried`,
    );
  const retried: ErasureEvent = {
    type: 'ErasureTaskRetried',
    data: { requestId, participantId, previousAttempt: task.attempt, retriedBy },
  };
  return andWhatFollows(
    state,
    [retried, issue(requestId, state.request.scope, task, task.attempt + 1, now)],
    now,
  );
}

function decide(command: ErasureCommand, state: ErasureState): ErasureEvent[] {
  const now = command.metadata.now;
  switch (command.type) {
    case 'RequestErasure':
      return requestErasure(command, state);
    case 'PlaceHold':
      return state.holds.includes(command.data.holdId)
        ? []
        : [{ type: 'HoldPlaced', data: { holdId: command.data.holdId } }];
    case 'ReleaseHold': {
      const holds = state.holds;
      if (!holds.includes(command.data.holdId)) return [];
      const released: ErasureEvent = { type: 'HoldReleased', data: { holdId: command.data.holdId } };
      // The last hold released: the blocked request goes ahead, planned over today's participants.
      if (state.status === 'open' && state.blocked && holds.length === 1)
        return andWhatFollows(state, [released, plan(state.request, command.data.participants)], now);
      return [released];
    }
    case 'RecordTaskOutcome': {
      if (state.status !== 'open' || state.request.requestId !== command.data.requestId) return [];
      const task = state.tasks.find((t) => t.participantId === command.data.participantId);
      if (!task || !answersOpenTask(task, command.data)) return [];
      const { completed, failed } = command.data;
      const recorded: ErasureEvent = completed
        ? {
            type: 'TaskOutcomeRecorded',
            data: {
              participantId: task.participantId,
              attempt: command.data.attempt,
              status: 'done',
              result: completed,
              failureCode: null,
            },
          }
        : attemptFailed(task, failed ?? { retriable: false, code: 'UNKNOWN' }, now);
      const accepted: ErasureEvent = { type: 'TaskAnswerAccepted', data: command.data };
      return andWhatFollows(state, [accepted, recorded], now);
    }
    case 'Tick':
      return tick(state, now);
    case 'ExtendDeadline':
      return extendDeadline(command, state);
    case 'RetryTask':
      return retryTask(command, state);
    default:
      return assertNever(command);
  }
}

/** When the service must look at the request again: a task's timeout, the end of a backoff,
 * the at-risk warning before the legal deadline, or a completed request's provider retention. */
export function nextWakeup(state: ErasureState): Date | null {
  const retention = pendingProviderRetention(state).map((pending) => pending.retainedUntil);
  if (state.status !== 'open') return retention.length > 0 ? new Date(Math.min(...retention)) : null;
  const times = state.tasks.flatMap((t) =>
    t.status === 'issued' && t.deadlineAt !== null
      ? [t.deadlineAt]
      : t.status === 'backoff' && t.retryAt != null
        ? [t.retryAt]
        : [],
  );
  if (!state.atRiskRaised) times.push(state.request.dueAt - AT_RISK_BEFORE_DUE_MS);
  times.push(...retention);
  return times.length > 0 ? new Date(Math.min(...times)) : null;
}

export const erasureDecider: Decider<ErasureCommand, ErasureEvent, ErasureState> = {
  initialState: () => ({ status: 'idle', completed: [], holds: [] }),
  decide,
  evolve: evolveErasure,
};
