import type { RequestTimeline } from './problems';

// What the report's summary says about many requests at once: counts, how long completions took
// against their deadlines, how each participant answers, and which requests need a person now.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** An open request due within this is at risk even before the erasure service says so. */
export const AT_RISK_WINDOW_MS = 3 * DAY;

export interface CompletionBin {
  readonly label: string;
  readonly count: number;
  /** Completed after the deadline in force. */
  readonly late: boolean;
}

export interface ParticipantStats {
  readonly participantId: string;
  readonly tasks: number;
  /** Tasks by last outcome: erased, anonymised, not-found, ..., failed, open. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

export interface ReportSummary {
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byResult: Readonly<Record<string, number>>;
  readonly byReason: Readonly<Record<string, number>>;
  readonly byRegulation: Readonly<Record<string, number>>;
  /** Completed requests by time from request to completion; the last bin is "after the deadline". */
  readonly completion: readonly CompletionBin[];
  readonly completionP50Ms: number | null;
  readonly completionP95Ms: number | null;
  readonly participants: readonly ParticipantStats[];
  /** Open or blocked, not yet overdue, and flagged by the erasure service or due soon; soonest first. */
  readonly atRisk: readonly RequestTimeline[];
  /** Past the deadline without a completion; longest overdue first. */
  readonly overdue: readonly RequestTimeline[];
}

const BINS: { label: string; below: number }[] = [
  { label: '< 1 min', below: MINUTE },
  { label: '1-60 min', below: HOUR },
  { label: '1-24 h', below: DAY },
  { label: '1-7 days', below: 7 * DAY },
  { label: '7-14 days', below: 14 * DAY },
  { label: '14+ days', below: Infinity },
];

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** The nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Which bar of the completion chart a request is in: null while it has not completed. */
export function completionBinOf(r: RequestTimeline): number | null {
  if (r.completedAt === null || r.requestedAt === null) return null;
  if (r.dueAt !== null && r.completedAt > r.dueAt) return BINS.length; // after the deadline
  return BINS.findIndex((bin) => r.completedAt! - r.requestedAt! < bin.below);
}

function completionBins(requests: readonly RequestTimeline[]): CompletionBin[] {
  const counts = [...BINS, null].map(() => 0);
  for (const r of requests) {
    const bin = completionBinOf(r);
    if (bin !== null) counts[bin]! += 1;
  }
  return [
    ...BINS.map((bin, i) => ({ label: bin.label, count: counts[i]!, late: false })),
    { label: 'after the deadline', count: counts[BINS.length]!, late: true },
  ];
}

function participantStats(requests: readonly RequestTimeline[]): ParticipantStats[] {
  const byParticipant = new Map<string, { outcomes: Record<string, number>; latencies: number[] }>();
  for (const request of requests)
    for (const answer of request.participants) {
      let stats = byParticipant.get(answer.participantId);
      if (!stats) byParticipant.set(answer.participantId, (stats = { outcomes: {}, latencies: [] }));
      stats.outcomes[answer.outcome] = (stats.outcomes[answer.outcome] ?? 0) + 1;
      if (answer.latencyMs !== null) stats.latencies.push(answer.latencyMs);
    }
  return [...byParticipant]
    .map(([participantId, { outcomes, latencies }]) => {
      latencies.sort((a, b) => a - b);
      return {
        participantId,
        tasks: Object.values(outcomes).reduce((a, b) => a + b, 0),
        outcomes,
        p50Ms: percentile(latencies, 50),
        p95Ms: percentile(latencies, 95),
      };
    })
    .sort((a, b) => a.participantId.localeCompare(b.participantId));
}

export function summariseRequests(requests: readonly RequestTimeline[], now: number): ReportSummary {
  const took = requests
    .filter((r) => r.completedAt !== null && r.requestedAt !== null)
    .map((r) => r.completedAt! - r.requestedAt!)
    .sort((a, b) => a - b);
  const atRisk = requests
    .filter(
      (r) =>
        (r.status === 'open' || r.status === 'blocked') &&
        (r.atRisk || (r.dueAt !== null && r.dueAt - now <= AT_RISK_WINDOW_MS)),
    )
    .sort((a, b) => (a.dueAt ?? Infinity) - (b.dueAt ?? Infinity));
  const overdue = requests
    .filter((r) => r.status === 'overdue')
    .sort((a, b) => (a.dueAt ?? Infinity) - (b.dueAt ?? Infinity));
  return {
    total: requests.length,
    byStatus: countBy(requests, (r) => r.status),
    byResult: countBy(
      requests.filter((r) => r.result !== null),
      (r) => r.result!,
    ),
    byReason: countBy(requests, (r) => r.reason ?? 'unknown'),
    byRegulation: countBy(requests, (r) => r.regulation ?? 'none'),
    completion: completionBins(requests),
    completionP50Ms: percentile(took, 50),
    completionP95Ms: percentile(took, 95),
    participants: participantStats(requests),
    atRisk,
    overdue,
  };
}

/** A duration as a person reads it: 850 ms, 4.2 s, 12 min, 5.3 h, 2.1 days. */
export function humanDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < MINUTE) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min`;
  if (ms < DAY) return `${(ms / HOUR).toFixed(1)} h`;
  return `${(ms / DAY).toFixed(1)} days`;
}
