// The account domain: commands (orders), events (past tense), state (a union). Pure data; the
// personal values are plaintext here and sealed by the adapters before they leave the process.

export interface Profile {
  readonly email: string;
  readonly name: string;
  readonly phone: string | null;
  readonly timezone: string | null;
}

export interface CommandMetadata {
  /** Time is an input (STYLE.md section 2). */
  readonly now: Date;
}

export type AccountCommand =
  | {
      readonly type: 'OpenAccount';
      readonly data: Profile & { readonly source: 'http' | 'ingest' };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'UpdateProfile'; readonly data: Partial<Profile>; readonly metadata: CommandMetadata }
  | {
      readonly type: 'RecordActivity';
      readonly data: { readonly channel: string | null };
      readonly metadata: CommandMetadata;
    }
  | {
      readonly type: 'Deactivate';
      readonly data: { readonly reason: string | null };
      readonly metadata: CommandMetadata;
    }
  | {
      readonly type: 'Reactivate';
      readonly data: { readonly reason: string | null };
      readonly metadata: CommandMetadata;
    }
  | {
      readonly type: 'RequestDeletion';
      readonly data: {
        readonly requestId: string;
        readonly reason: string;
        readonly regulation: string | null;
      };
      readonly metadata: CommandMetadata;
    }
  | {
      readonly type: 'MarkErased';
      readonly data: { readonly requestId: string };
      readonly metadata: CommandMetadata;
    };

export type AccountEvent =
  | { readonly type: 'AccountCreated'; readonly data: Profile & { readonly source: 'http' | 'ingest' } }
  | { readonly type: 'AccountProfileUpdated'; readonly data: Partial<Profile> }
  | {
      readonly type: 'AccountActivityRecorded';
      readonly data: { readonly day: string; readonly channel: string | null };
    }
  | { readonly type: 'AccountDeactivated'; readonly data: { readonly reason: string | null } }
  | { readonly type: 'AccountReactivated'; readonly data: { readonly reason: string | null } }
  | {
      readonly type: 'AccountDeletionRequested';
      readonly data: {
        readonly requestId: string;
        readonly reason: string;
        readonly regulation: string | null;
      };
    }
  | { readonly type: 'AccountErased'; readonly data: { readonly requestId: string } };

export type AccountState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active' | 'deactivated';
      readonly profile: Profile;
      readonly lastActiveDay: string;
      /** Set once the user asked for deletion: later requests join this one. */
      readonly deletionRequestId: string | null;
    }
  | { readonly status: 'erased'; readonly requestId: string };

export type AccountErrorCode =
  'ACCOUNT_EXISTS' | 'ACCOUNT_NOT_FOUND' | 'ACCOUNT_ERASED' | 'ACCOUNT_DEACTIVATED';

export const ACCOUNT_ERROR_CODES: readonly AccountErrorCode[] = [
  'ACCOUNT_EXISTS',
  'ACCOUNT_NOT_FOUND',
  'ACCOUNT_ERASED',
  'ACCOUNT_DEACTIVATED',
];

/** A refused command. Not retriable: the same command in the same state is refused again. */
export class AccountError extends Error {
  override readonly name = 'AccountError';
  readonly retriable = false;

  constructor(
    readonly code: AccountErrorCode,
    message: string,
  ) {
    super(message);
  }
}
