import { isEventOfType, type EventOf, type LegalRetentionTerm, type LetheEvent } from '@lethe/events';

import { erasureCertificate, type CertifiedRequest, type RetainedUnderLaw } from './certificate';
import { recordDigest } from './chain';
import type { Problem } from './problems';

// The erasure protocol's rules, checked on the log itself: what a principal that can write the
// erasure or task topics could forge, and the audit ledger would faithfully record. Every record
// is already proven unaltered by the chain; this proves the records make sense together.

const ERASING_OUTCOMES = new Set(['erased', 'anonymised']);
/** The participant whose erasure destroys the subject's key: only a whole-account request may. */
const KEY_VAULT = 'key-vault';

interface Positioned {
  readonly event: LetheEvent;
  readonly position: string;
}

interface Hold {
  readonly placedAt: number;
  releasedAt: number | null;
  readonly until: number | null;
}

interface RequestSoFar {
  /** The request as the log states it (extensions added as they come): what its certificate states. */
  requested: CertifiedRequest | null;
  /** Participant -> the data categories its (latest) plan gave it. */
  categories: Map<string, readonly string[]>;
  /** Every participant any plan of the request named; `plan`: the plan in force. */
  everPlanned: Set<string>;
  plan: Set<string>;
  /** Participant -> when its task was last issued. */
  issuedAt: Map<string, number>;
  /** Participants with an answer (completed or failed) so far. */
  answered: Set<string>;
  /** Each participant's latest completed answer: what the certificate must say it did. */
  results: Map<
    string,
    { outcome: string; evidenceDigest: string; verifiedEmpty: boolean; retainedUntil: number | null }
  >;
  completed: boolean;
}

/** The subjects' legal holds, from the retention log (placed, released, or lapsed at `until`). */
export function holdsBySubject(retentionEvents: readonly Positioned[]): Map<string, Map<string, Hold>> {
  const holds = new Map<string, Map<string, Hold>>();
  for (const { event } of retentionEvents) {
    const subjectId = event.envelope.subjectId;
    if (!subjectId) continue;
    const ofSubject = holds.get(subjectId) ?? new Map<string, Hold>();
    holds.set(subjectId, ofSubject);
    if (isEventOfType(event, 'LegalHoldPlaced') && !ofSubject.has(event.data.holdId))
      ofSubject.set(event.data.holdId, {
        placedAt: event.envelope.occurredAt,
        releasedAt: null,
        until: event.data.until === null ? null : Number(event.data.until),
      });
    else if (isEventOfType(event, 'LegalHoldReleased')) {
      const hold = ofSubject.get(event.data.holdId);
      if (hold && hold.releasedAt === null) hold.releasedAt = event.envelope.occurredAt;
    }
  }
  return holds;
}

/**
 * A hold that stood over a request: placed before the request was made (the erasure service then
 * must block it; a hold placed later races the tasks already issued), and still in force when the
 * task was issued.
 */
function standingHold(holds: Map<string, Hold> | undefined, requestedAt: number, issuedAt: number) {
  for (const [holdId, hold] of holds ?? []) {
    const endedAt = Math.min(hold.releasedAt ?? Infinity, hold.until ?? Infinity);
    if (hold.placedAt <= requestedAt && endedAt > issuedAt) return holdId;
  }
  return undefined;
}

/** Checks every erasure request on the log against the protocol; appends what breaks it. */
export function checkProtocol(
  erasureEvents: readonly Positioned[],
  retentionEvents: readonly Positioned[],
  problems: Problem[],
): void {
  const holds = holdsBySubject(retentionEvents);
  // Every legal retention term any policy version stated: what a certificate may cite.
  const legalTerms = retentionEvents.flatMap(({ event }) =>
    isEventOfType(event, 'PolicyVersionActivated') ? event.data.legalRetention : [],
  );
  const requests = new Map<string, RequestSoFar>();
  const seen = new Set<string>();
  const problem = (kind: Problem['kind'], position: string, detail: string) =>
    problems.push({ kind, position, detail });

  for (const { event, position } of erasureEvents) {
    const requestId = (event.data as { requestId?: string }).requestId;
    if (!requestId || event.envelope.type.startsWith('Access')) continue;
    if (seen.has(event.envelope.eventId)) continue; // a faithful duplicate, ledgered once
    seen.add(event.envelope.eventId);
    const request = requests.get(requestId) ?? {
      requested: null,
      categories: new Map<string, readonly string[]>(),
      everPlanned: new Set<string>(),
      plan: new Set<string>(),
      issuedAt: new Map<string, number>(),
      answered: new Set<string>(),
      results: new Map(),
      completed: false,
    };
    requests.set(requestId, request);

    if (isEventOfType(event, 'ErasureRequested')) {
      request.requested = {
        requestId,
        subjectId: event.envelope.subjectId ?? '',
        scope: event.data.scope,
        reason: event.data.reason,
        regulation: event.data.regulation,
        requestedAt: Number(event.data.requestedAt),
        dueAt: Number(event.data.dueAt),
      };
      continue;
    }
    if (!request.requested) {
      problem(
        'request-never-requested',
        position,
        `${event.envelope.type} for request ${requestId}, which was never requested (no ErasureRequested before it)`,
      );
    }
    if (isEventOfType(event, 'ErasurePlanned')) {
      // A request blocked and released is planned again, over the participants of that day.
      request.plan = new Set(event.data.tasks.map((task) => task.participantId));
      for (const task of event.data.tasks) request.categories.set(task.participantId, task.categories);
      for (const participantId of request.plan) request.everPlanned.add(participantId);
    } else if (isEventOfType(event, 'ErasureDeadlineExtended') && request.requested) {
      const { previousDueAt, dueAt, reason } = event.data;
      const extension = { previousDueAt: Number(previousDueAt), dueAt: Number(dueAt), reason };
      request.requested = {
        ...request.requested,
        dueAt: Number(dueAt),
        extensions: [
          ...(request.requested.extensions ?? []),
          { ...extension, extendedAt: event.envelope.occurredAt },
        ],
      };
    } else if (isEventOfType(event, 'ErasureTaskIssued')) {
      request.issuedAt.set(event.data.participantId, event.envelope.occurredAt);
    } else if (isEventOfType(event, 'ErasureTaskCompleted') || isEventOfType(event, 'ErasureTaskFailed')) {
      const { participantId } = event.data;
      if (!request.everPlanned.has(participantId))
        problem(
          'answer-from-unplanned-participant',
          position,
          `${participantId} answered request ${requestId}, which never planned it`,
        );
      request.answered.add(participantId);
      if (isEventOfType(event, 'ErasureTaskCompleted')) {
        const { outcome, evidenceDigest, verifiedEmpty, retainedUntil } = event.data;
        request.results.set(participantId, {
          outcome,
          evidenceDigest,
          verifiedEmpty,
          retainedUntil: retainedUntil === null ? null : Number(retainedUntil),
        });
        if (ERASING_OUTCOMES.has(outcome))
          checkErasure(event, position, request, holds.get(event.envelope.subjectId ?? ''), problem);
      }
    } else if (isEventOfType(event, 'ErasureCompleted')) {
      // A participant that never answered may be in a completion only as failed: a partial
      // result that says so (it kept failing, and the others were not held up for it).
      const certifiedFailed = new Set(
        event.data.outcomes.filter((o) => o.outcome === 'failed').map((o) => o.participantId),
      );
      const open = [...request.plan].filter(
        (participantId) => !request.answered.has(participantId) && !certifiedFailed.has(participantId),
      );
      if (open.length > 0)
        problem(
          'completed-before-participants-answered',
          position,
          `request ${requestId} completed while ${open.join(', ')} had not answered`,
        );
      const why = certificateMismatch(event, request, legalTerms);
      if (why) problem('certificate-mismatch', position, `request ${requestId}: ${why}`);
      request.completed = true;
    }
  }
}

/** An erasing answer: under no standing hold, and the key only for a whole-account request. */
function checkErasure(
  event: EventOf<'ErasureTaskCompleted'>,
  position: string,
  request: RequestSoFar,
  holds: Map<string, Hold> | undefined,
  problem: (kind: Problem['kind'], position: string, detail: string) => void,
): void {
  const { participantId, requestId, outcome } = event.data;
  const issuedAt = request.issuedAt.get(participantId) ?? event.envelope.occurredAt;
  const held = standingHold(holds, request.requested?.requestedAt ?? issuedAt, issuedAt);
  if (held)
    problem(
      'erased-under-legal-hold',
      position,
      `${participantId} ${outcome} data of subject ${event.envelope.subjectId} (request ${requestId}) while legal hold ${held} stood`,
    );
  if (participantId === KEY_VAULT && (!request.requested || !request.requested.scope.all))
    problem(
      'key-destroyed-without-whole-account-request',
      position,
      `the subject's key was destroyed for request ${requestId}, ${request.requested ? 'which does not erase the whole account' : 'which was never requested'}`,
    );
}

/**
 * What in the completion's certificate the log does not bear out, or undefined: the digest is of
 * its JSON, the JSON names this request, subject and result, its outcomes are the completion's,
 * and each participant's outcome and evidence digest are those of its answer on the log.
 */
function certificateMismatch(
  event: EventOf<'ErasureCompleted'>,
  request: RequestSoFar,
  legalTerms: readonly LegalRetentionTerm[],
): string | undefined {
  const { requestId, result, outcomes, certificate } = event.data;
  if (recordDigest(Buffer.from(certificate.json, 'utf8')) !== certificate.digest)
    return 'the certificate digest is not the SHA-256 of its JSON';
  let stated: {
    requestId?: unknown;
    subjectId?: unknown;
    result?: unknown;
    outcomes?: unknown;
    retainedUnderLaw?: unknown;
  };
  try {
    stated = JSON.parse(certificate.json) as typeof stated;
  } catch {
    return 'the certificate is not JSON';
  }
  if (stated.requestId !== requestId || stated.subjectId !== event.envelope.subjectId)
    return 'the certificate names another request or subject';
  if (stated.result !== result)
    return `the certificate says ${String(stated.result)}, the completion ${result}`;
  const byParticipant = (list: readonly { participantId: string }[]) =>
    JSON.stringify([...list].map((o) => o.participantId).sort());
  const certified = Array.isArray(stated.outcomes) ? (stated.outcomes as { participantId: string }[]) : [];
  if (byParticipant(certified) !== byParticipant(outcomes))
    return 'the certificate lists other participants than the completion';
  for (const outcome of outcomes) {
    const inCertificate = certified.find((o) => o.participantId === outcome.participantId) as
      { outcome?: unknown; evidenceDigest?: unknown } | undefined;
    if (inCertificate?.outcome !== outcome.outcome || inCertificate.evidenceDigest !== outcome.evidenceDigest)
      return `the certificate and the completion differ on ${outcome.participantId}`;
    if (outcome.outcome === 'failed') continue;
    const answered = request.results.get(outcome.participantId);
    if (
      !answered ||
      answered.outcome !== outcome.outcome ||
      answered.evidenceDigest !== outcome.evidenceDigest
    )
      return `${outcome.participantId} is certified ${outcome.outcome} with evidence its answer on the log does not give`;
  }
  if (!request.requested) return undefined; // never requested: reported as such
  const retained = retainedUnderLawOf(stated, event, request, legalTerms);
  if (typeof retained === 'string') return retained;
  // Every other field follows from the log: the request, its extensions, the completion.
  const certifiedOutcomes = outcomes.map((o) => ({
    ...o,
    counts: Object.fromEntries(Object.entries(o.counts).map(([store, n]) => [store, Number(n)])),
    retainedUntil: o.retainedUntil === null ? null : Number(o.retainedUntil),
  }));
  const asRequested = request.requested;
  const digests = scopesAsCertified(asRequested.scope).map(
    (scope) =>
      erasureCertificate(
        { ...asRequested, scope },
        result,
        certifiedOutcomes,
        event.envelope.occurredAt,
        retained,
      ).digest,
  );
  return digests.includes(certificate.digest)
    ? undefined
    : `the certificate is not the one its request, extensions and answers on the log make (that one's digest is ${digests[0]})`;
}

/**
 * The request's scope as a certificate may state it: as on the log, and, when it keeps nothing,
 * also without `keep` (certificates made before the erasure service certified the log's form).
 */
function scopesAsCertified(scope: CertifiedRequest['scope']): CertifiedRequest['scope'][] {
  const { keep, ...withoutKeep } = scope;
  return keep && keep.length > 0 ? [scope] : [scope, withoutKeep];
}

/**
 * The certificate's legal retention statements, each borne out by the log, or what is wrong: a
 * term some policy version on the retention log states (clock, basis, a category the
 * participant was planned for, its length), for a participant that answered retained-legal
 * without a date of its own; and no such participant dated by a term left unstated.
 */
function retainedUnderLawOf(
  stated: { retainedUnderLaw?: unknown },
  event: EventOf<'ErasureCompleted'>,
  request: RequestSoFar,
  legalTerms: readonly LegalRetentionTerm[],
): RetainedUnderLaw[] | string {
  const completedAt = event.envelope.occurredAt;
  const list = Array.isArray(stated.retainedUnderLaw)
    ? (stated.retainedUnderLaw as { participantId: string; clock: string; basis: string; until: string }[])
    : [];
  const kept: RetainedUnderLaw[] = [];
  for (const entry of list) {
    const until = Date.parse(entry.until);
    const outcome = event.data.outcomes.find((o) => o.participantId === entry.participantId);
    const categories = request.categories.get(entry.participantId) ?? [];
    const term = legalTerms.find(
      (t) =>
        t.clock === entry.clock &&
        t.basis === entry.basis &&
        Number(t.keepForMs) === until - completedAt &&
        t.categories.some((category) => categories.includes(category)),
    );
    if (
      !outcome ||
      outcome.outcome !== 'retained-legal' ||
      Number(outcome.retainedUntil) !== until ||
      request.results.get(entry.participantId)?.retainedUntil !== null ||
      !term
    )
      return `the certificate states a legal retention for ${entry.participantId} that no policy on the retention log and no answer on the erasure log bear out`;
    kept.push({ participantId: entry.participantId, clock: entry.clock, basis: entry.basis, until });
  }
  const unstated = event.data.outcomes.find(
    (o) =>
      o.outcome === 'retained-legal' &&
      o.retainedUntil !== null &&
      request.results.get(o.participantId)?.retainedUntil === null &&
      !kept.some((k) => k.participantId === o.participantId),
  );
  if (unstated)
    return `${unstated.participantId} is kept under a legal obligation the certificate does not state`;
  return kept;
}
