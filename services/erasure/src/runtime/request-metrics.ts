// Erasure as operators watch it on /metrics: the requests in flight (open, blocked by a legal
// hold, at risk of missing their deadline, overdue) and how long each participant takes to
// answer a task. Labels are participant ids and states, never a subject or request id.
import type { StreamStore } from '@lethe/eventstore';
import { gaugeOnScrape, histogramIn, type ServiceMetrics } from '@lethe/service-kit';

import type { StoredErasureState } from '../request/model';
import { openRequestStates, standingOf } from './open-requests';
import type { ErasureHandler } from './erasure-handler';

/** Requests counted per scrape: past this many in flight, the count itself is the alarm. */
const COUNTED_REQUESTS = 10_000;

export const REQUEST_STATES = ['open', 'blocked', 'at_risk', 'overdue'] as const;

/** Counts the open requests at each scrape, against the service's clock (deadlines are domain time). */
export function observeErasureRequests(
  metrics: ServiceMetrics,
  streams: StreamStore<StoredErasureState>,
  now: () => Date,
): void {
  gaugeOnScrape(
    metrics.registry,
    'lethe_erasure_requests',
    'Erasure requests not yet completed: open (all of them), blocked (by a legal hold, which ' +
      'defers the deadline), at_risk (not blocked, the deadline a week away or less), overdue ' +
      '(not blocked, the deadline passed).',
    ['state'],
    async () => {
      const at = now().getTime();
      const standings = (await openRequestStates(streams, COUNTED_REQUESTS)).map((state) =>
        standingOf(state, at),
      );
      const values: Record<(typeof REQUEST_STATES)[number], number> = {
        open: standings.length,
        blocked: standings.filter((s) => s.blocked).length,
        at_risk: standings.filter((s) => s.atRisk).length,
        overdue: standings.filter((s) => s.overdue).length,
      };
      return REQUEST_STATES.map((state) => ({ labels: { state }, value: values[state] }));
    },
  );
}

/**
 * The handler, observing each accepted answer: the time from its attempt's issue to the answer,
 * per participant and outcome (an attempt's issue time is its deadline less its timeout).
 */
export function observingTaskLatency(metrics: ServiceMetrics, handle: ErasureHandler): ErasureHandler {
  const latency = histogramIn(metrics, {
    name: 'lethe_erasure_task_seconds',
    help: 'From issuing an erasure task (each attempt) to accepting its answer, per participant.',
    labelNames: ['participant', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400],
  });
  return async (streamId, command, context) => {
    const handled = await handle(streamId, command, context);
    if (handled.previous.status !== 'open') return handled;
    for (const event of handled.events) {
      if (event.type !== 'TaskAnswerAccepted') continue;
      const { participantId, completed } = event.data;
      const task = handled.previous.tasks.find((t) => t.participantId === participantId);
      if (task?.deadlineAt == null) continue;
      const seconds = (context.now.getTime() - (task.deadlineAt - task.timeoutMs)) / 1000;
      latency.observe(
        { participant: participantId, outcome: completed ? 'completed' : 'failed' },
        Math.max(0, seconds),
      );
    }
    return handled;
  };
}
