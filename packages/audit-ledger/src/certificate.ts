import { createHash } from 'node:crypto';

import { canonicalJson } from '@lethe/events';
import { DEAD_LETTER_COPY_LIFETIME_MS, INGEST_COPY_LIFETIME_MS } from '@lethe/kafka';

// The erasure certificate: what the erasure service states when a request completes, and what
// the verifier recomputes from the log's events to the byte (its digest must match). One
// function for both, so the format cannot drift between the party certifying and the check.

export interface CertifiedRequest {
  readonly requestId: string;
  readonly subjectId: string;
  readonly scope: {
    readonly all: boolean;
    readonly categories: readonly string[];
    readonly keep?: readonly string[];
  };
  readonly reason: string;
  readonly regulation: string | null;
  readonly requestedAt: number;
  /** The deadline in force: the one the request was given, or the last extension's. */
  readonly dueAt: number;
  readonly extensions?: readonly {
    readonly previousDueAt: number;
    readonly dueAt: number;
    readonly reason: string;
    readonly extendedAt: number;
  }[];
}

export interface CertifiedOutcome {
  readonly participantId: string;
  readonly outcome: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly verifiedEmpty: boolean;
  readonly evidenceDigest: string;
  readonly retainedUntil: number | null;
}

/** What is kept under a legal obligation, on which basis and until when (from the policy). */
export interface RetainedUnderLaw {
  readonly participantId: string;
  readonly clock: string;
  readonly basis: string;
  readonly until: number;
}

/** Outcomes that keep something of the subject rather than find nothing. */
const KEPT_OUTCOMES = new Set(['retained-legal', 'retained-consent', 'provider-retention', 'anonymised']);

/**
 * Whether any participant held anything of the subject. An erasure of a subject no service has
 * seen (a typo, a request for someone who never signed up) completes, and its certificate says
 * that nothing was found rather than that something was erased.
 */
export function subjectWasKnown(outcomes: readonly CertifiedOutcome[]): boolean {
  return outcomes.some(
    (o) => KEPT_OUTCOMES.has(o.outcome) || Object.values(o.counts).some((count) => count > 0),
  );
}

export function erasureCertificate(
  request: CertifiedRequest,
  result: 'complete' | 'partial',
  outcomes: readonly CertifiedOutcome[],
  completedAt: number,
  retainedUnderLaw: readonly RetainedUnderLaw[] = [],
): { json: string; digest: string } {
  const json = canonicalJson({
    certificate: 'lethe.erasure.v1',
    requestId: request.requestId,
    subjectId: request.subjectId,
    scope: request.scope,
    reason: request.reason,
    regulation: request.regulation,
    requestedAt: new Date(request.requestedAt).toISOString(),
    dueAt: new Date(request.dueAt).toISOString(),
    // Only when a deadline was extended, so certificates without one keep their exact form.
    ...(request.extensions?.length
      ? {
          deadlineExtensions: request.extensions.map((e) => ({
            from: new Date(e.previousDueAt).toISOString(),
            to: new Date(e.dueAt).toISOString(),
            reason: e.reason,
            extendedAt: new Date(e.extendedAt).toISOString(),
          })),
        }
      : {}),
    completedAt: new Date(completedAt).toISOString(),
    result,
    subjectKnown: subjectWasKnown(outcomes),
    // Only when something is kept under a legal obligation: the basis and the end, stated.
    ...(retainedUnderLaw.length > 0
      ? {
          retainedUnderLaw: retainedUnderLaw.map((kept) => ({
            participantId: kept.participantId,
            clock: kept.clock,
            basis: kept.basis,
            until: new Date(kept.until).toISOString(),
          })),
        }
      : {}),
    // What was kept made anonymous, and the policy clause that allows it (only when there is some).
    ...(outcomes.some((o) => o.outcome === 'anonymised')
      ? {
          keptAnonymous: {
            policyClause: 'anonymousData',
            participants: outcomes
              .filter((o) => o.outcome === 'anonymised')
              .map((o) => o.participantId)
              .sort(),
          },
        }
      : {}),
    outcomes: [...outcomes].sort((a, b) => (a.participantId < b.participantId ? -1 : 1)),
    // What no participant can reach, stated rather than hidden (DESIGN.md section 5).
    residualCopies: [
      {
        store: 'kafka:lethe.account.ingest.v1',
        form: 'personal fields other services sent, sealed to the account service key (not the subject key)',
        goneBy: new Date(completedAt + INGEST_COPY_LIFETIME_MS).toISOString(),
      },
      {
        store: 'kafka:lethe.account.ingest.v1.dlq',
        form: 'ingest records refused by the account service, sealed the same way',
        goneBy: new Date(completedAt + DEAD_LETTER_COPY_LIFETIME_MS).toISOString(),
      },
    ],
  });
  return { json, digest: `sha256:${createHash('sha256').update(json).digest('hex')}` };
}
