// What the verifier reports: problems with their positions, and each request's timeline.

export type ProblemKind =
  | 'ledger-chain-broken'
  | 'ledger-checkpoint-invalid'
  | 'record-altered'
  | 'record-forged'
  | 'record-not-in-ledger'
  | 'ledger-entry-without-record'
  | 'request-completed-twice'
  | 'request-completed-late'
  | 'request-overdue'
  | 'deadline-extension-invalid'
  | 'erased-subject-key-present'
  | 'task-signature-invalid'
  | 'request-never-requested'
  | 'answer-from-unplanned-participant'
  | 'erased-under-legal-hold'
  | 'key-destroyed-without-whole-account-request'
  | 'completed-before-participants-answered'
  | 'certificate-mismatch';

export interface Problem {
  readonly kind: ProblemKind;
  /** Where: `<topic>/<partition>@<offset>`, and the ledger seq when there is one. */
  readonly position: string;
  readonly detail: string;
}

export interface RequestTimeline {
  readonly requestId: string;
  readonly subjectId: string | null;
  readonly requestedAt: number | null;
  readonly dueAt: number | null;
  readonly status: 'completed' | 'blocked' | 'open' | 'overdue';
  readonly result: string | null;
  readonly completedAt: number | null;
  readonly completions: number;
  readonly steps: { readonly type: string; readonly at: number; readonly detail: string }[];
  readonly reason: string | null;
  readonly regulation: string | null;
  /** The erasure service said the deadline was at risk (ErasureDeadlineAtRisk). */
  readonly atRisk: boolean;
  /** Where the first ErasureCompleted is: what `lethe audit prove` makes a receipt for. */
  readonly completionPosition: string | null;
  /** Each planned participant's last answer, and how long it took from the plan. */
  readonly participants: readonly ParticipantAnswer[];
}

export interface ParticipantAnswer {
  readonly participantId: string;
  /** The task's outcome (erased, anonymised, not-found, ...), `failed`, or `open`. */
  readonly outcome: string;
  /** The last failure's code, while the task has not completed. */
  readonly failure: string | null;
  readonly latencyMs: number | null;
}

/** `<topic>/<partition>@<offset>`: where a record is. */
export const at = (topic: string, partition: number, offset: number) => `${topic}/${partition}@${offset}`;
