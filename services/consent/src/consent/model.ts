// The consent ledger of one subject: every grant and withdrawal with its proof (who recorded it,
// under which policy text). No contact data lives here, so the ledger can be kept as proof after
// an erasure.

export interface ConsentProof {
  /** Where the choice was made: a form, an API client, an opt-out signal. */
  readonly source: string;
  readonly policyVersion: string;
  /** SHA-256 of the exact text the user saw. */
  readonly textHash: string;
  /** Recorded from a Global Privacy Control signal (Sec-GPC: 1). */
  readonly gpc: boolean;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

export interface ConsentDecision extends ConsentProof {
  readonly purpose: string;
  readonly granted: boolean;
}

export interface ConsentState {
  readonly current: Readonly<Record<string, ConsentDecision>>;
  readonly history: readonly ConsentDecision[];
  /** Set by an erasure: the ledger is kept as proof and takes no new decisions. */
  readonly closedBy: string | null;
}

export type ConsentCommand =
  | {
      readonly type: 'RecordConsent';
      readonly data: { readonly purpose: string; readonly granted: boolean } & Omit<ConsentProof, 'at'>;
      readonly metadata: { readonly now: Date };
    }
  | {
      /** An opt-out preference signal: withdraw every sale or sharing purpose not yet withdrawn. */
      readonly type: 'HonourOptOutSignal';
      readonly data: { readonly purposes: readonly string[]; readonly policyVersion: string };
      readonly metadata: { readonly now: Date };
    }
  | {
      readonly type: 'CloseLedger';
      readonly data: { readonly requestId: string };
      readonly metadata: { readonly now: Date };
    };

export type ConsentEvent =
  | { readonly type: 'ConsentGranted'; readonly data: ConsentDecision }
  | { readonly type: 'ConsentWithdrawn'; readonly data: ConsentDecision }
  /** Kept in the stream only: the erasure's own events are the record on the log. */
  | { readonly type: 'ConsentLedgerClosed'; readonly data: { readonly requestId: string } };

export class ConsentError extends Error {
  override readonly name = 'ConsentError';
  readonly retriable = false;

  constructor(
    readonly code: 'CONSENT_LEDGER_CLOSED',
    message: string,
  ) {
    super(message);
  }
}
