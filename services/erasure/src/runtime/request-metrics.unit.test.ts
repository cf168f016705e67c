import type { StreamStore } from '@lethe/eventstore';
import { createServiceMetrics } from '@lethe/service-kit';

import { AT_RISK_BEFORE_DUE_MS, type ErasureState, type StoredErasureState } from '../request/model';
import { observeErasureRequests } from './request-metrics';

// The request gauges count what the streams in flight hold, against the service's clock.

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-11-30T12:00:00Z');

function openRequest(dueInMs: number, blocked = false): ErasureState {
  return {
    status: 'open',
    request: {
      requestId: `r-${dueInMs}`,
      subjectId: 's',
      scope: { all: true, categories: [] },
      reason: 'user-request',
      regulation: 'gdpr',
      requestedAt: NOW - DAY,
      dueAt: NOW + dueInMs,
    },
    tasks: [],
    completed: [],
    holds: blocked ? ['hold-1'] : [],
    blocked,
    atRiskRaised: false,
  };
}

it('counts open, blocked, at-risk and overdue requests (a hold defers the deadline); an idle stream counts for none', async () => {
  const states: ErasureState[] = [
    openRequest(20 * DAY), // open, far from its deadline
    openRequest(20 * DAY, true), // blocked by a hold
    openRequest(AT_RISK_BEFORE_DUE_MS - DAY), // at risk
    openRequest(-DAY), // overdue
    openRequest(-2 * DAY, true), // past its deadline, but a hold defers it: blocked only
    { status: 'idle', completed: [], holds: [] },
  ];
  const streams = {
    inFlight: async () => states.map((state, i) => ({ streamId: `s${i}`, version: 1, state })),
  } as unknown as StreamStore<StoredErasureState>;
  const metrics = createServiceMetrics('erasure');
  observeErasureRequests(metrics, streams, () => new Date(NOW));
  const scraped = await metrics.render();
  const value = (state: string) =>
    Number(
      new RegExp(`^lethe_erasure_requests\\{[^}]*state="${state}"[^}]*\\} (\\d+)$`, 'm').exec(scraped)?.[1],
    );
  expect([value('open'), value('blocked'), value('at_risk'), value('overdue')]).toEqual([5, 2, 1, 1]);
});
