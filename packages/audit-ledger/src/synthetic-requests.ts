import type { ParticipantAnswer, RequestTimeline } from './problems';

// Many erasure timelines shaped like a real deployment's (mostly fast completions, a few slow or
// late, some open, blocked or overdue), from a seed: for the report's browser test and its bench.
// Not exported from the package: the verifier never makes timelines up.

const MINUTE = 60_000;
const DAY = 86_400_000;
const PARTICIPANTS = ['account', 'consent', 'key-vault', 'mail', 'objects', 'llm-provider'];

/** A small deterministic generator (mulberry32): the same seed gives the same report. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(next: () => number, weighted: readonly [T, number][]): T {
  let roll = next() * weighted.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [value, weight] of weighted) if ((roll -= weight) < 0) return value;
  return weighted[weighted.length - 1]![0];
}

export function syntheticRequests(count: number, now: number, seed = 1): RequestTimeline[] {
  const next = random(seed);
  const requests: RequestTimeline[] = [];
  for (let i = 0; i < count; i += 1) {
    const status = pick(next, [
      ['completed', 90],
      ['open', 5],
      ['blocked', 2],
      ['overdue', 3],
    ] as const);
    const took = pick(next, [
      [500 + next() * 59_000, 70],
      [MINUTE + next() * 59 * MINUTE, 15],
      [60 * MINUTE + next() * 23 * 60 * MINUTE, 8],
      [DAY + next() * 12 * DAY, 5],
      [14 * DAY + next() * 15 * DAY, 1.5],
      [31 * DAY + next() * 5 * DAY, 0.5],
    ]);
    const requestedAt =
      status === 'overdue'
        ? now - 31 * DAY - next() * 20 * DAY
        : status === 'completed'
          ? now - took - next() * 60 * DAY
          : now - next() * 29.5 * DAY;
    const dueAt = requestedAt + 30 * DAY;
    const completedAt = status === 'completed' ? requestedAt + took : null;
    const regulation = pick(next, [
      ['GDPR', 60],
      ['CCPA', 25],
      [null, 15],
    ] as const);
    const reason = pick(next, [
      ['user-request', 70],
      ['retention-expired', 25],
      ['consent-withdrawn', 5],
    ] as const);
    const planned = PARTICIPANTS.filter((p, j) => j < 3 || next() < 0.7 || p === 'llm-provider');
    const participants: ParticipantAnswer[] = planned.map((participantId) => {
      const answered = status === 'completed' || next() < 0.5;
      const outcome = !answered
        ? next() < 0.5
          ? 'failed'
          : 'open'
        : participantId === 'llm-provider'
          ? 'provider-retention'
          : pick(next, [
              ['erased', 85],
              ['not-found', 12],
              ['anonymised', 3],
            ] as const);
      return {
        participantId,
        outcome,
        failure: outcome === 'failed' ? 'STORE_UNAVAILABLE' : null,
        latencyMs: answered ? Math.round((completedAt ? took : 5 * MINUTE) * (0.2 + 0.7 * next())) : null,
      };
    });
    const requestId = `req_${i.toString(36).padStart(5, '0')}_${Math.floor(next() * 1e9).toString(36)}`;
    const steps = [
      {
        type: 'ErasureRequested',
        at: requestedAt,
        detail: `${reason}${regulation ? ` (${regulation})` : ''}`,
      },
      { type: 'ErasurePlanned', at: requestedAt + 50, detail: planned.join(', ') },
      ...participants
        .filter((p) => p.latencyMs !== null)
        .map((p) => ({
          type: 'ErasureTaskCompleted',
          at: requestedAt + 50 + p.latencyMs!,
          detail: `${p.participantId}: ${p.outcome}`,
        })),
      ...(completedAt === null ? [] : [{ type: 'ErasureCompleted', at: completedAt, detail: 'complete' }]),
    ];
    requests.push({
      requestId,
      subjectId: `sub_${Math.floor(next() * 1e12).toString(36)}`,
      requestedAt,
      dueAt,
      status,
      result: completedAt === null ? null : 'complete',
      completedAt,
      completions: completedAt === null ? 0 : 1,
      steps,
      reason,
      regulation,
      atRisk: status === 'open' && dueAt - now < 5 * DAY,
      completionPosition: completedAt === null ? null : `lethe.erasure.events.v1/${i % 6}@${i * 9 + 8}`,
      participants,
    });
  }
  return requests;
}
