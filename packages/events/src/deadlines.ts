// How far a regulation lets an erasure deadline be extended. Shared by the erasure service, which
// refuses a longer extension, and the verifier, which reports one found on the log.

/** The grounds an operator gives: codes, never free text (the erasure log is kept for good). */
export const DEADLINE_EXTENSION_REASONS = ['complexity', 'number-of-requests'] as const;
export type DeadlineExtensionReason = (typeof DEADLINE_EXTENSION_REASONS)[number];

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The latest a request's deadline may be moved to, from the deadline it was given: GDPR Art. 12(3)
 * "may be extended by two further months", CCPA (Cal. Civ. Code 1798.130) "an additional 45 days".
 * Null: no extension is allowed (a retention expiry or a request under no regulation).
 */
export function latestExtendedDeadline(regulation: string | null, originalDueAt: number): number | null {
  switch (regulation?.toUpperCase()) {
    case 'GDPR': {
      const due = new Date(originalDueAt);
      due.setUTCMonth(due.getUTCMonth() + 2);
      return due.getTime();
    }
    case 'CCPA':
      return originalDueAt + 45 * DAY_MS;
    default:
      return null;
  }
}
