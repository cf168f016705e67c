import type { Scope } from './tokens';

/** Per-route access, in the route's `config`. Routes are closed unless they say `public: true`. */
export interface RouteAccess {
  public?: boolean;
  /** Any one of these scopes admits the caller. */
  scopes?: readonly Scope[];
  /** The route parameter naming the subject: a `subject` token reaches only its own. */
  subjectParam?: string;
  /**
   * The answer carries the `subjectParam` subject's personal data, these fields: each answer
   * that succeeds is recorded (PersonalDataAccessed) before it leaves.
   */
  personalData?: { readonly fields: readonly string[] };
}
