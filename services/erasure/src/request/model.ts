// The erasure of one subject (DESIGN.md section 4). The stream is keyed by subject, so a second
// request while one is open meets the first and joins it; a request after completion starts anew.

import type { CertifiedOutcome } from '@lethe/audit-ledger';

export interface ErasureScope {
  readonly all: boolean;
  readonly categories: readonly string[];
  /**
   * What a whole-account erasure leaves in place because a consent the subject still gives keeps
   * it (the retention policy's keepWhileConsented). Absent on requests from before it existed.
   */
  readonly keep?: readonly string[];
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

/** A participant's answer to one attempt of its task: done with a result, or failed. */
export interface TaskAnswer {
  readonly requestId: string;
  readonly participantId: string;
  readonly attempt: number;
  readonly completed: TaskResult | null;
  readonly failed: { readonly retriable: boolean; readonly code: string } | null;
}

/** `backoff`: the last attempt failed and can be retried; the next is issued at `retryAt`. */
export type TaskStatus = 'waiting' | 'issued' | 'backoff' | 'done' | 'failed';

export interface Task {
  readonly participantId: string;
  readonly phase: number;
  readonly categories: readonly string[];
  readonly timeoutMs: number;
  readonly attempt: number;
  readonly status: TaskStatus;
  /** When the issued attempt times out (ms since the epoch); null unless issued. */
  readonly deadlineAt: number | null;
  /** When the next attempt is issued (ms since the epoch); null unless in backoff. */
  readonly retryAt: number | null;
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
  /** The deadline in force: the one the request was given, or the last extension's. */
  readonly dueAt: number;
  /** Operators' extensions, oldest first; absent when there were none. */
  readonly extensions?: readonly DeadlineExtension[];
  /**
   * The policy's legal retention terms when the request was made: what a participant keeps
   * under a legal obligation is dated and its basis stated by them. Absent on older requests.
   */
  readonly legalRetention?: readonly LegalRetentionTerm[];
  /**
   * The W3C traceparent of what made the request (a DELETE, a consumed record): the passing of
   * time (a timeout, a retry) continues that trace. Absent on older requests, or made untraced.
   */
  readonly traceparent?: string;
}

/** What the policy keeps under a legal obligation after an erasure, and for how long. */
export interface LegalRetentionTerm {
  readonly clock: string;
  readonly categories: readonly string[];
  readonly basis: string;
  readonly keepForMs: number;
}

export interface DeadlineExtension {
  readonly previousDueAt: number;
  readonly dueAt: number;
  readonly reason: string;
  readonly extendedBy: string;
  readonly extendedAt: number;
}

export interface CompletedRequest {
  readonly request: RequestInfo;
  readonly result: 'complete' | 'partial';
  readonly outcomes: readonly Outcome[];
  readonly certificate: { readonly json: string; readonly digest: string };
  /** Participants whose provider-retention date has passed (ProviderRetentionElapsed); absent: none. */
  readonly providerRetentionElapsed?: readonly string[];
}

export type ErasureState =
  | {
      readonly status: 'idle';
      readonly completed: readonly CompletedRequest[];
      /** Legal holds on the subject (from the retention log). */
      readonly holds: readonly string[];
    }
  | {
      readonly status: 'open';
      readonly request: RequestInfo;
      readonly tasks: readonly Task[];
      readonly completed: readonly CompletedRequest[];
      readonly holds: readonly string[];
      /** Blocked by legal holds: nothing is planned or erased until the last one is released. */
      readonly blocked: boolean;
      /** ErasureDeadlineAtRisk was raised (once per request). */
      readonly atRiskRaised: boolean;
    };

/**
 * The state as commits keep it: states stored before holds, the at-risk warning and backoff
 * existed lack those fields. upcastErasureState fills them in when a stream is loaded.
 */
export type StoredErasureState =
  | (Omit<Extract<ErasureState, { status: 'idle' }>, 'holds'> & { readonly holds?: readonly string[] })
  | (Omit<Extract<ErasureState, { status: 'open' }>, 'holds' | 'blocked' | 'atRiskRaised' | 'tasks'> & {
      readonly holds?: readonly string[];
      readonly blocked?: boolean;
      readonly atRiskRaised?: boolean;
      readonly tasks: readonly (Omit<Task, 'retryAt'> & { readonly retryAt?: number | null })[];
    });

export function upcastErasureState(stored: StoredErasureState): ErasureState {
  if (stored.status === 'idle') return { ...stored, holds: stored.holds ?? [] };
  return {
    ...stored,
    holds: stored.holds ?? [],
    blocked: stored.blocked ?? false,
    atRiskRaised: stored.atRiskRaised ?? false,
    tasks: stored.tasks.map((task) => ({ ...task, retryAt: task.retryAt ?? null })),
  };
}

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
      readonly data: TaskAnswer;
      readonly metadata: { readonly now: Date };
    }
  | {
      readonly type: 'ExtendDeadline';
      readonly data: {
        readonly requestId: string;
        readonly dueAt: number;
        readonly reason: string;
        readonly extendedBy: string;
      };
      readonly metadata: { readonly now: Date };
    }
  /** An operator has a task issued again now: one in its backoff, or failed while the request is open. */
  | {
      readonly type: 'RetryTask';
      readonly data: {
        readonly requestId: string;
        readonly participantId: string;
        readonly retriedBy: string;
      };
      readonly metadata: { readonly now: Date };
    }
  /** Time passed: issue retries whose backoff is over, time out silent attempts, warn of the
   * legal deadline. The service sends it when the stream's timer is due. */
  | { readonly type: 'Tick'; readonly metadata: { readonly now: Date } }
  | {
      readonly type: 'PlaceHold';
      readonly data: { readonly holdId: string };
      readonly metadata: { readonly now: Date };
    }
  | {
      readonly type: 'ReleaseHold';
      readonly data: { readonly holdId: string; readonly participants: readonly Registration[] };
      readonly metadata: { readonly now: Date };
    };

/** A participant's outcome as the completion and its certificate state it. */
export type Outcome = CertifiedOutcome;

export type ErasureEvent =
  | { readonly type: 'ErasureRequested'; readonly data: RequestInfo }
  | {
      readonly type: 'ErasureBlocked';
      readonly data: { readonly requestId: string; readonly holdIds: readonly string[] };
    }
  /** Kept in the stream only: the hold's own events are on the retention log. */
  | { readonly type: 'HoldPlaced'; readonly data: { readonly holdId: string } }
  | { readonly type: 'HoldReleased'; readonly data: { readonly holdId: string } }
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
  | {
      readonly type: 'ErasureTaskRetried';
      readonly data: {
        readonly requestId: string;
        readonly participantId: string;
        readonly previousAttempt: number;
        readonly retriedBy: string;
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
        /** For `retrying`: when the next attempt goes out. */
        readonly retryAt?: number | null;
      };
    }
  | {
      /** A participant's answer to the attempt in hand, as it was given: copied onto the
       * erasure log (the audit trail), which only the erasure service writes. */
      readonly type: 'TaskAnswerAccepted';
      readonly data: TaskAnswer;
    }
  | {
      readonly type: 'ErasureDeadlineAtRisk';
      readonly data: {
        readonly requestId: string;
        readonly dueAt: number;
        readonly openParticipants: readonly string[];
      };
    }
  | {
      readonly type: 'ErasureDeadlineExtended';
      readonly data: { readonly requestId: string } & DeadlineExtension;
    }
  | {
      readonly type: 'ProviderRetentionElapsed';
      readonly data: {
        readonly requestId: string;
        readonly participantId: string;
        readonly retainedUntil: number;
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

export type ErasureErrorCode =
  | 'ERASURE_REQUEST_NOT_OPEN'
  | 'ERASURE_EXTENSION_NOT_ALLOWED'
  | 'ERASURE_EXTENSION_INVALID'
  | 'ERASURE_REQUEST_BLOCKED'
  | 'ERASURE_TASK_NOT_FOUND'
  | 'ERASURE_TASK_NOT_RETRIABLE';

/** A command the request's state refuses; the message is safe to show (no personal data). */
export class ErasureError extends Error {
  override readonly name = 'ErasureError';

  constructor(
    readonly code: ErasureErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_ATTEMPTS = 3;

/** The wait before attempt `attempt + 1` after attempt `attempt` failed: 0.5 s, then 2 s. */
export function retryBackoffMs(attempt: number): number {
  return 500 * 4 ** (attempt - 1);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** ErasureDeadlineAtRisk is raised this long before the legal deadline if the request is open. */
export const AT_RISK_BEFORE_DUE_MS = 7 * DAY_MS;

/** GDPR: one month; CCPA: 45 days; anything else: GDPR's, the stricter. */
export function deadlineFor(regulation: string | null, requestedAt: number): number {
  return requestedAt + (regulation?.toUpperCase() === 'CCPA' ? 45 : 30) * DAY_MS;
}
