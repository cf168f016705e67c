import { isEventOfType, type EventOf, type LetheEvent } from '@lethe/events';

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
  requested: { at: number; all: boolean; keep: readonly string[] } | null;
  /** Every participant any plan of the request named; `plan`: the plan in force. */
  everPlanned: Set<string>;
  plan: Set<string>;
  /** Participant -> when its task was last issued. */
  issuedAt: Map<string, number>;
  /** Participants with an answer (completed or failed) so far. */
  answered: Set<string>;
  /** Each participant's latest completed answer: what the certificate must say it did. */
  results: Map<string, { outcome: string; evidenceDigest: string; verifiedEmpty: boolean }>;
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
        at: Number(event.data.requestedAt),
        all: event.data.scope.all,
        keep: event.data.scope.keep ?? [],
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
      for (const participantId of request.plan) request.everPlanned.add(participantId);
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
        const { outcome, evidenceDigest, verifiedEmpty } = event.data;
        request.results.set(participantId, { outcome, evidenceDigest, verifiedEmpty });
        if (ERASING_OUTCOMES.has(outcome))
          checkErasure(event, position, request, holds.get(event.envelope.subjectId ?? ''), problem);
      }
    } else if (isEventOfType(event, 'ErasureCompleted')) {
      const open = [...request.plan].filter((participantId) => !request.answered.has(participantId));
      if (open.length > 0)
        problem(
          'completed-before-participants-answered',
          position,
          `request ${requestId} completed while ${open.join(', ')} had not answered`,
        );
      const why = certificateMismatch(event, request);
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
  const held = standingHold(holds, request.requested?.at ?? issuedAt, issuedAt);
  if (held)
    problem(
      'erased-under-legal-hold',
      position,
      `${participantId} ${outcome} data of subject ${event.envelope.subjectId} (request ${requestId}) while legal hold ${held} stood`,
    );
  if (participantId === KEY_VAULT && (!request.requested || !request.requested.all))
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
function certificateMismatch(event: EventOf<'ErasureCompleted'>, request: RequestSoFar): string | undefined {
  const { requestId, result, outcomes, certificate } = event.data;
  if (recordDigest(Buffer.from(certificate.json, 'utf8')) !== certificate.digest)
    return 'the certificate digest is not the SHA-256 of its JSON';
  let stated: { requestId?: unknown; subjectId?: unknown; result?: unknown; outcomes?: unknown };
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
  return undefined;
}
