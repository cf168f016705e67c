// An access request (right of access and portability, DESIGN.md section 9) as a stream of its
// own, keyed by request id: it fans out like an erasure, but only reads, so it has no holds, no
// phases and no retries. A participant that does not answer in time is named in the package.

export type AnswerOutcome = 'exported' | 'failed' | 'no-answer';

export interface AccessAnswer {
  readonly outcome: AnswerOutcome;
  readonly records: number;
  /** sha256 of the sealed bytes as received; null when nothing came. */
  readonly dataDigest: string | null;
  readonly code: string | null;
}

export interface AccessRequest {
  readonly requestId: string;
  readonly subjectId: string;
  readonly requestedAt: number;
  readonly participants: readonly string[];
  /** base64 SPKI of the request's export key (derived from the subject's key; never stored). */
  readonly exportKey: string;
  /** Participants that have not answered by then are recorded as no-answer. */
  readonly answerBy: number;
  readonly answers: Readonly<Record<string, AccessAnswer>>;
}

export type AccessState =
  | { readonly status: 'none' }
  | ({ readonly status: 'open' } & AccessRequest)
  | ({ readonly status: 'ready'; readonly packageDigest: string; readonly expiresAt: number } & AccessRequest)
  /** expired, or the subject was erased first: there is no package any more. */
  | ({ readonly status: 'deleted'; readonly reason: string } & AccessRequest);

export type AccessCommand =
  | {
      readonly type: 'RequestAccess';
      readonly requestId: string;
      readonly subjectId: string;
      readonly participants: readonly string[];
      readonly exportKey: string;
      readonly answerWithinMs: number;
      readonly now: number;
    }
  | {
      readonly type: 'RecordAnswer';
      readonly participantId: string;
      readonly answer: Omit<AccessAnswer, 'outcome'> & { readonly outcome: 'exported' | 'failed' };
    }
  /** Time passed: whoever has not answered by `answerBy` never will, for this request. */
  | { readonly type: 'Tick'; readonly now: number }
  | { readonly type: 'Complete'; readonly packageDigest: string; readonly expiresAt: number }
  | { readonly type: 'DeletePackage'; readonly reason: 'expired' | 'subject-erased' };

export type AccessEvent =
  | {
      readonly type: 'AccessRequested';
      readonly data: Omit<AccessRequest, 'answers' | 'answerBy'> & { readonly answerBy: number };
    }
  | {
      readonly type: 'AccessTaskIssued';
      readonly data: {
        readonly requestId: string;
        readonly participantId: string;
        readonly exportKey: string;
        readonly deadlineAt: number;
      };
    }
  | {
      readonly type: 'AccessTaskAnswered';
      readonly data: { readonly requestId: string; readonly participantId: string } & AccessAnswer;
    }
  | {
      readonly type: 'AccessCompleted';
      readonly data: {
        readonly requestId: string;
        readonly outcomes: readonly { participantId: string; outcome: AnswerOutcome; records: number }[];
        readonly packageDigest: string;
        readonly expiresAt: number;
      };
    }
  | {
      readonly type: 'AccessPackageDeleted';
      readonly data: { readonly requestId: string; readonly reason: string };
    };

/** Every participant has answered (or been given up on): the package can be made. */
export function allAnswered(state: AccessState): boolean {
  return state.status === 'open' && state.participants.every((p) => state.answers[p] !== undefined);
}
