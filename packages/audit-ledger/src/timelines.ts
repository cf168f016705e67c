import { isEventOfType, latestExtendedDeadline, type LetheEvent } from '@lethe/events';

import type { ParticipantAnswer, Problem, RequestTimeline } from './problems';

/** Each erasure request's steps and status, from the erasure log; completion problems on the way. */
export function timelines(
  events: { event: LetheEvent; position: string }[],
  now: number,
  problems: Problem[],
): RequestTimeline[] {
  const byRequest = new Map<string, RequestSoFar>();
  for (const { event, position } of events) {
    const requestId = (event.data as { requestId?: string }).requestId;
    // Access requests share the erasure log (and its task topics) but erase nothing.
    if (!requestId || event.envelope.type.startsWith('Access')) continue;
    const request = byRequest.get(requestId) ?? {
      subjectId: event.envelope.subjectId,
      requestedAt: null,
      dueAt: null,
      originalDueAt: null,
      regulation: null,
      reason: null,
      blocked: false,
      atRisk: false,
      tasks: new Map<string, TaskSoFar>(),
      completions: new Map<string, { at: number; result: string; position: string }>(),
      steps: [] as { type: string; at: number; detail: string }[],
      seen: new Set<string>(),
    };
    byRequest.set(requestId, request);
    if (request.seen.has(event.envelope.eventId)) continue; // a faithful duplicate
    request.seen.add(event.envelope.eventId);
    const occurredAt = event.envelope.occurredAt;
    if (isEventOfType(event, 'ErasureRequested')) {
      request.requestedAt = Number(event.data.requestedAt);
      request.dueAt = Number(event.data.dueAt);
      request.originalDueAt = request.dueAt;
      request.regulation = event.data.regulation;
      request.reason = event.data.reason;
    } else if (isEventOfType(event, 'ErasureDeadlineExtended')) {
      const why = extensionRefused(request, Number(event.data.previousDueAt), Number(event.data.dueAt));
      if (why)
        problems.push({
          kind: 'deadline-extension-invalid',
          position,
          detail: `request ${requestId}: ${why}`,
        });
      else request.dueAt = Number(event.data.dueAt); // later completions are measured against it
    } else if (isEventOfType(event, 'ErasureBlocked')) request.blocked = true;
    else if (isEventOfType(event, 'ErasurePlanned')) {
      request.blocked = false;
      for (const { participantId } of event.data.tasks)
        if (!request.tasks.has(participantId))
          request.tasks.set(participantId, {
            plannedAt: occurredAt,
            outcome: 'open',
            failure: null,
            answeredAt: null,
          });
    } else if (isEventOfType(event, 'ErasureTaskCompleted')) {
      const task = taskOf(request, event.data.participantId, occurredAt);
      task.outcome = event.data.outcome;
      task.failure = null;
      task.answeredAt = occurredAt;
    } else if (isEventOfType(event, 'ErasureTaskFailed')) {
      const task = taskOf(request, event.data.participantId, occurredAt);
      if (task.answeredAt === null) {
        task.outcome = 'failed';
        task.failure = event.data.code;
      }
    } else if (isEventOfType(event, 'ErasureDeadlineAtRisk')) request.atRisk = true;
    else if (isEventOfType(event, 'ErasureCompleted'))
      request.completions.set(event.envelope.eventId, {
        at: occurredAt,
        result: event.data.result,
        position,
      });
    const detail = stepDetail(event);
    request.steps.push({ type: event.envelope.type, at: occurredAt, detail });
  }
  return [...byRequest].map(([requestId, request]) => summarise(requestId, request, now, problems));
}

/** What one step says about itself in the timeline. */
function stepDetail(event: LetheEvent): string {
  if (isEventOfType(event, 'ErasureRequested'))
    return `${event.data.reason}${event.data.regulation ? ` (${event.data.regulation})` : ''}`;
  if (isEventOfType(event, 'ErasureBlocked')) return `held by ${event.data.holdIds.length} legal hold(s)`;
  if (isEventOfType(event, 'ErasurePlanned')) return event.data.tasks.map((t) => t.participantId).join(', ');
  if (isEventOfType(event, 'ErasureTaskCompleted'))
    return `${event.data.participantId}: ${event.data.outcome}${event.data.verifiedEmpty ? ', verified empty' : ''}`;
  if (isEventOfType(event, 'ErasureTaskFailed')) return `${event.data.participantId}: ${event.data.code}`;
  if (isEventOfType(event, 'ErasureTaskIssued'))
    return `${event.data.participantId} attempt ${event.data.attempt}`;
  if (isEventOfType(event, 'ErasureTaskRetried'))
    return `${event.data.participantId} after attempt ${event.data.previousAttempt}, by ${event.data.retriedBy}`;
  if (isEventOfType(event, 'ErasureCompleted')) return event.data.result;
  if (isEventOfType(event, 'ErasureDeadlineAtRisk')) return `open: ${event.data.openParticipants.join(', ')}`;
  if (isEventOfType(event, 'ProviderRetentionElapsed'))
    return `${event.data.participantId}: the providers' retention has passed`;
  if (isEventOfType(event, 'ErasureDeadlineExtended'))
    return `to ${new Date(Number(event.data.dueAt)).toISOString()} (${event.data.reason})`;
  return '';
}

/**
 * Why an extension on the log does not count, or undefined when it does: it must follow the
 * deadline in force and stay within what the request's regulation allows.
 */
function extensionRefused(request: RequestSoFar, previousDueAt: number, dueAt: number): string | undefined {
  if (request.originalDueAt === null || request.dueAt === null) return 'extends a request never requested';
  if (previousDueAt !== request.dueAt || dueAt <= request.dueAt)
    return `does not follow the deadline in force (${new Date(request.dueAt).toISOString()})`;
  const latest = latestExtendedDeadline(request.regulation, request.originalDueAt);
  if (latest === null) return `no extension is allowed under regulation ${request.regulation ?? 'none'}`;
  if (dueAt > latest)
    return `moves the deadline to ${new Date(dueAt).toISOString()}, past the latest its regulation allows (${new Date(latest).toISOString()})`;
  return undefined;
}

interface TaskSoFar {
  plannedAt: number;
  outcome: string;
  failure: string | null;
  answeredAt: number | null;
}

/** A participant's task; one the plan did not name still gets a row (the protocol check flags it). */
function taskOf(request: RequestSoFar, participantId: string, at: number): TaskSoFar {
  let task = request.tasks.get(participantId);
  if (!task)
    request.tasks.set(
      participantId,
      (task = { plannedAt: at, outcome: 'open', failure: null, answeredAt: null }),
    );
  return task;
}

interface RequestSoFar {
  subjectId: string | null;
  requestedAt: number | null;
  /** The deadline in force: as requested, or as lawfully extended since. */
  dueAt: number | null;
  originalDueAt: number | null;
  regulation: string | null;
  reason: string | null;
  blocked: boolean;
  atRisk: boolean;
  tasks: Map<string, TaskSoFar>;
  completions: Map<string, { at: number; result: string; position: string }>;
  steps: { type: string; at: number; detail: string }[];
  seen: Set<string>;
}

/** A request's timeline, with a problem for each completion too many, too late or missing. */
function summarise(
  requestId: string,
  request: RequestSoFar,
  now: number,
  problems: Problem[],
): RequestTimeline {
  const completions = [...request.completions.values()].sort((a, b) => a.at - b.at);
  const first = completions[0];
  if (completions.length > 1)
    problems.push({
      kind: 'request-completed-twice',
      position: completions[1]!.position,
      detail: `request ${requestId} has ${completions.length} ErasureCompleted events`,
    });
  if (first && request.dueAt !== null && first.at > request.dueAt)
    problems.push({
      kind: 'request-completed-late',
      position: first.position,
      detail: `request ${requestId} completed after its deadline ${new Date(request.dueAt).toISOString()}`,
    });
  const overdue = !first && request.dueAt !== null && now > request.dueAt;
  if (overdue)
    problems.push({
      kind: 'request-overdue',
      position: `request ${requestId}`,
      detail: `no completion, due ${new Date(request.dueAt!).toISOString()}`,
    });
  return {
    requestId,
    subjectId: request.subjectId,
    requestedAt: request.requestedAt,
    dueAt: request.dueAt,
    status: first ? 'completed' : overdue ? 'overdue' : request.blocked ? 'blocked' : 'open',
    result: first?.result ?? null,
    completedAt: first?.at ?? null,
    completions: completions.length,
    steps: request.steps.sort((a, b) => a.at - b.at),
    reason: request.reason,
    regulation: request.regulation,
    atRisk: request.atRisk,
    completionPosition: first?.position ?? null,
    participants: [...request.tasks].map(([participantId, task]): ParticipantAnswer => ({
      participantId,
      outcome: task.outcome,
      failure: task.failure,
      latencyMs: task.answeredAt === null ? null : task.answeredAt - task.plannedAt,
    })),
  } satisfies RequestTimeline;
}
