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
}

/** `<topic>/<partition>@<offset>`: where a record is. */
export const at = (topic: string, partition: number, offset: number) => `${topic}/${partition}@${offset}`;
