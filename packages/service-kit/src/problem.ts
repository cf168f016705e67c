// RFC 9457 problem details: every error a Lethe service answers has this shape and the
// `application/problem+json` media type. `code` is stable for machines; `detail` is for people
// and never holds personal data.
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  /** For validation problems: which parts of the request are wrong, and why. */
  errors?: { path: string; reason: string }[];
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors: Problem['errors'];
  /** For a transient refusal (503, 429): when to ask again, sent as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    title: string;
    detail: string;
    errors?: Problem['errors'];
    retryAfterSeconds?: number;
  }) {
    super(init.detail);
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.errors = init.errors;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  toProblem(instance?: string): Problem {
    return {
      type: `/problems/${this.code.toLowerCase().replace(/_/g, '-')}`,
      title: this.title,
      status: this.status,
      detail: this.message,
      code: this.code,
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}
