// Per-subject retention: the clocks the policy runs for a subject, its legal holds, and what has
// expired. Time comes in with each command (metadata.now); the policy is the decider's argument.
/** What an expiry asks the erasure service to erase, as it travels on RetentionExpired. */
export interface ExpiryScope {
  readonly all: boolean;
  readonly categories: readonly string[];
  /** Categories a whole-account erasure keeps because a consent still keeps them. */
  readonly keep: readonly string[];
}

export interface RunningClock {
  readonly startedAt: number;
  readonly expiresAt: number;
  /** When notice is due (null: the clock gives none), and whether it was given. */
  readonly noticeAt: number | null;
  readonly noticed: boolean;
  readonly policyVersion: string;
}

export interface LegalHold {
  readonly holdId: string;
  /**
   * The case reference and the reason: free text about the subject, sealed under its key
   * (base64 ciphertext, holds/legal-holds.ts) so that its erasure reaches them too.
   */
  readonly sealed: { readonly reference: string; readonly reason: string };
  readonly placedBy: string;
  readonly placedAt: number;
  readonly until: number | null;
}

export interface Expiry {
  readonly clock: string;
  readonly expiredAt: number;
  readonly policyVersion: string;
}

export interface RetentionState {
  /** Seen on the account or consent log: holds can be placed only on known subjects. */
  readonly known: boolean;
  readonly accountErased: boolean;
  readonly grantedPurposes: readonly string[];
  readonly clocks: Readonly<Record<string, RunningClock>>;
  readonly holds: Readonly<Record<string, LegalHold>>;
  readonly expired: readonly Expiry[];
}

type Meta = { readonly metadata: { readonly now: Date } };

export type RetentionCommand =
  | ({
      readonly type: 'ObserveAccount';
      readonly data: {
        readonly event: 'created' | 'active' | 'deactivated' | 'reactivated' | 'erased';
        readonly at: number;
      };
    } & Meta)
  | ({
      readonly type: 'ObserveConsent';
      readonly data: { readonly purpose: string; readonly granted: boolean; readonly at: number };
    } & Meta)
  | ({ readonly type: 'PlaceHold'; readonly data: Omit<LegalHold, 'placedAt'> } & Meta)
  | ({
      readonly type: 'ReleaseHold';
      readonly data: { readonly holdId: string; readonly releasedBy: string };
    } & Meta)
  | ({ readonly type: 'Tick'; readonly data: { readonly subjectId: string } } & Meta);

export type RetentionEvent =
  | { readonly type: 'SubjectSeen'; readonly data: Record<string, never> }
  | { readonly type: 'AccountErasureSeen'; readonly data: Record<string, never> }
  | { readonly type: 'PurposesGranted'; readonly data: { readonly purposes: readonly string[] } }
  | { readonly type: 'RetentionClockStarted'; readonly data: { readonly clock: string } & RunningClock }
  | { readonly type: 'RetentionClockReset'; readonly data: { readonly clock: string } & RunningClock }
  | {
      readonly type: 'RetentionClockStopped';
      readonly data: {
        readonly clock: string;
        readonly policyVersion: string;
        readonly stoppedAt: number;
        readonly reason: string;
      };
    }
  | {
      readonly type: 'RetentionExpiryNoticed';
      readonly data: {
        readonly clock: string;
        readonly policyVersion: string;
        readonly noticedAt: number;
        readonly expiresAt: number;
      };
    }
  | {
      readonly type: 'RetentionExpired';
      readonly data: Expiry & {
        readonly scope: ExpiryScope;
        /** Why the erasure is asked for: retention-expired, or consent-withdrawn for a consent clock. */
        readonly reason: 'retention-expired' | 'consent-withdrawn' | 'legal-obligation-ended';
      };
    }
  | { readonly type: 'LegalHoldPlaced'; readonly data: LegalHold }
  | {
      readonly type: 'LegalHoldReleased';
      readonly data: { readonly holdId: string; readonly releasedBy: string };
    };

export type RetentionErrorCode =
  'RETENTION_SUBJECT_UNKNOWN' | 'RETENTION_HOLD_UNKNOWN' | 'RETENTION_HOLD_NOT_YET_EFFECTIVE';

export class RetentionError extends Error {
  override readonly name = 'RetentionError';
  readonly retriable: boolean;

  constructor(
    readonly code: RetentionErrorCode,
    message: string,
  ) {
    super(message);
    this.retriable = code === 'RETENTION_HOLD_NOT_YET_EFFECTIVE';
  }
}
