// The erasure of one subject (DESIGN.md section 4). The stream is keyed by subject, so a second
// request while one is open meets the first and joins it; a request after completion starts anew.

export interface ErasureScope {
  readonly all: boolean;
  readonly categories: readonly string[];
}

export interface Registration {
  readonly participantId: string;
  readonly categories: readonly string[];
  readonly phase: number;
  readonly timeoutMs: number;
}

export interface TaskResult {
  readonly outcome: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly verifiedEmpty: boolean;
  readonly evidenceDigest: string;
  readonly retainedUntil: number | null;
}

export type TaskStatus = 'waiting' | 'issued' | 'done' | 'failed';

export interface Task {
  readonly participantId: string;
  readonly phase: number;
  readonly categories: readonly string[];
  readonly timeoutMs: number;
  readonly attempt: number;
  readonly status: TaskStatus;
  /** When the issued attempt times out (ms since the epoch); null unless issued. */
  readonly deadlineAt: number | null;
  readonly result: TaskResult | null;
  readonly failureCode: string | null;
}

export interface RequestInfo {
  readonly requestId: string;
  readonly subjectId: string;
  readonly scope: ErasureScope;
  readonly reason: string;
  readonly regulation: string | null;
  readonly requestedAt: number;
  readonly dueAt: number;
}

export interface CompletedRequest {
  readonly request: RequestInfo;
  readonly result: 'complete' | 'partial';
  readonly outcomes: readonly Outcome[];
  readonly certificate: { readonly json: string; readonly digest: string };
}

export type ErasureState =
  | { readonly status: 'idle'; readonly completed: readonly CompletedRequest[] }
  | {
      readonly status: 'open';
      readonly request: RequestInfo;
      readonly tasks: readonly Task[];
      readonly completed: readonly CompletedRequest[];
    };

export type ErasureCommand =
  | {
      readonly type: 'RequestErasure';
      readonly data: Omit<RequestInfo, 'requestedAt' | 'dueAt'> & {
        readonly participants: readonly Registration[];
      };
      readonly metadata: { readonly now: Date };
    }
  | {
      readonly type: 'RecordTaskOutcome';
      readonly data: {
        readonly requestId: string;
        readonly participantId: string;
        readonly attempt: number;
        readonly completed: TaskResult | null;
        readonly failed: { readonly retriable: boolean; readonly code: string } | null;
      };
      readonly metadata: { readonly now: Date };
    };

export interface Outcome {
  readonly participantId: string;
  readonly outcome: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly verifiedEmpty: boolean;
  readonly evidenceDigest: string;
  readonly retainedUntil: number | null;
}

export type ErasureEvent =
  | { readonly type: 'ErasureRequested'; readonly data: RequestInfo }
  | {
      readonly type: 'ErasurePlanned';
      readonly data: { readonly requestId: string; readonly tasks: readonly Task[] };
    }
  | {
      readonly type: 'ErasureTaskIssued';
      readonly data: {
        readonly requestId: string;
        readonly participantId: string;
        readonly attempt: number;
        readonly phase: number;
        readonly scope: ErasureScope;
        readonly deadlineAt: number;
      };
    }
  /** Kept in the stream only: the participant's own answer is already on the log. */
  | {
      readonly type: 'TaskOutcomeRecorded';
      readonly data: {
        readonly participantId: string;
        readonly attempt: number;
        readonly status: 'done' | 'failed' | 'retrying';
        readonly result: TaskResult | null;
        readonly failureCode: string | null;
      };
    }
  | {
      readonly type: 'ErasureCompleted';
      readonly data: {
        readonly requestId: string;
        readonly result: 'complete' | 'partial';
        readonly outcomes: readonly Outcome[];
        readonly certificate: { readonly json: string; readonly digest: string };
      };
    };

export const MAX_ATTEMPTS = 3;

/** GDPR: one month; CCPA: 45 days; anything else: GDPR's, the stricter. */
export function deadlineFor(regulation: string | null, requestedAt: number): number {
  const day = 24 * 60 * 60 * 1000;
  return requestedAt + (regulation?.toUpperCase() === 'CCPA' ? 45 : 30) * day;
}
