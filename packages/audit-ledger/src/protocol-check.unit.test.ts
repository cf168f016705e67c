import { makeEvent, type LetheEvent } from '@lethe/events';

import { erasureCertificate, type RetainedUnderLaw } from './certificate';
import type { Problem } from './problems';
import { checkProtocol } from './protocol-check';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const MIN = 60_000;

const on = (subjectId: string, occurredAt: number, producer = 'erasure') => ({
  subjectId,
  correlationId: 'c',
  producer,
  occurredAt,
});
const requested = (requestId: string, at: number, all = true) =>
  makeEvent('ErasureRequested', on('sub_1', at), {
    requestId,
    scope: { all, categories: all ? [] : ['contact'], keep: [] },
    reason: 'user-request',
    regulation: 'GDPR',
    requestedAt: at,
    dueAt: at + 30 * 24 * 60 * MIN,
  });
const planned = (requestId: string, at: number, participants: string[]) =>
  makeEvent('ErasurePlanned', on('sub_1', at), {
    requestId,
    tasks: participants.map((participantId) => ({
      participantId,
      phase: participantId === 'key-vault' ? 2 : 1,
      categories: ['contact'],
    })),
  });
const issued = (requestId: string, participantId: string, at: number) =>
  makeEvent('ErasureTaskIssued', on('sub_1', at), {
    requestId,
    participantId,
    attempt: 1,
    phase: 1,
    scope: { all: true, categories: [], keep: [] },
    deadlineAt: at + MIN,
    signature: null,
  });
const answered = (requestId: string, participantId: string, at: number, outcome = 'erased') =>
  makeEvent('ErasureTaskCompleted', on('sub_1', at, `participant:${participantId}`), {
    requestId,
    participantId,
    attempt: 1,
    outcome,
    counts: {},
    verifiedEmpty: true,
    evidenceDigest: 'sha256:0',
    retainedUntil: null,
  });
/**
 * A completion whose certificate (made as the erasure service makes it) states what the honest
 * log below has each participant answer; `certified` makes it state something else.
 */
const completed = (
  requestId: string,
  at: number,
  answers: Record<string, string> = {},
  certified = answers,
  request: { requestedAt: number; all?: boolean; retainedUnderLaw?: RetainedUnderLaw[]; until?: number } = {
    requestedAt: at - 6,
  },
) => {
  const outcomes = (list: Record<string, string>) =>
    Object.entries(list).map(([participantId, outcome]) => ({
      participantId,
      outcome,
      counts: {},
      verifiedEmpty: true,
      evidenceDigest: 'sha256:0',
      retainedUntil: outcome === 'retained-legal' ? (request.until ?? null) : null,
    }));
  const all = request.all ?? true;
  const certificate = erasureCertificate(
    {
      requestId,
      subjectId: 'sub_1',
      scope: { all, categories: all ? [] : ['contact'], keep: [] },
      reason: 'user-request',
      regulation: 'GDPR',
      requestedAt: request.requestedAt,
      dueAt: request.requestedAt + 30 * 24 * 60 * MIN,
    },
    'complete',
    outcomes(certified),
    at,
    request.retainedUnderLaw,
  );
  return makeEvent('ErasureCompleted', on('sub_1', at), {
    requestId,
    result: 'complete',
    outcomes: outcomes(answers),
    certificate,
  });
};
const holdPlaced = (holdId: string, at: number) =>
  makeEvent('LegalHoldPlaced', on('sub_1', at, 'retention'), {
    holdId,
    reference: null,
    reason: null,
    sealedReference: null,
    sealedReason: null,
    placedBy: 'counsel',
    until: null,
  });
const holdReleased = (holdId: string, at: number) =>
  makeEvent('LegalHoldReleased', on('sub_1', at, 'retention'), { holdId, releasedBy: 'counsel' });

function check(erasure: LetheEvent[], retention: LetheEvent[] = []) {
  const problems: Problem[] = [];
  checkProtocol(
    erasure.map((event, offset) => ({ event, position: `lethe.erasure.events.v1/0@${offset}` })),
    retention.map((event, offset) => ({ event, position: `lethe.retention.events.v1/0@${offset}` })),
    problems,
  );
  return problems.map((p) => [p.kind, p.position]);
}

const honest = (requestId: string, start: number) => [
  requested(requestId, start),
  planned(requestId, start + 1, ['notes', 'key-vault']),
  issued(requestId, 'notes', start + 2),
  answered(requestId, 'notes', start + 3),
  issued(requestId, 'key-vault', start + 4),
  answered(requestId, 'key-vault', start + 5),
  completed(requestId, start + 6, { notes: 'erased', 'key-vault': 'erased' }),
];

describe('the erasure protocol, checked on the log', () => {
  it('passes an honest request, and one whose hold came after the request was made', () => {
    expect(check(honest('req_1', T0))).toEqual([]);
    // A hold placed once tasks were out races them: the erasure service blocks what follows.
    expect(check(honest('req_1', T0), [holdPlaced('hold_1', T0 + 3)])).toEqual([]);
    // Released before the request: nothing stood.
    expect(check(honest('req_1', T0 + 10 * MIN), [holdPlaced('h', T0), holdReleased('h', T0 + MIN)])).toEqual(
      [],
    );
  });

  it('names each rule a forged key-vault task on a held subject breaks, at its position', () => {
    const forged = [
      issued('req_forged', 'key-vault', T0 + 10 * MIN),
      answered('req_forged', 'key-vault', T0 + 11 * MIN),
    ];
    expect(check([...honest('req_1', T0), ...forged], [holdPlaced('hold_1', T0 + 5 * MIN)])).toEqual([
      ['request-never-requested', 'lethe.erasure.events.v1/0@7'],
      ['request-never-requested', 'lethe.erasure.events.v1/0@8'],
      ['answer-from-unplanned-participant', 'lethe.erasure.events.v1/0@8'],
      ['erased-under-legal-hold', 'lethe.erasure.events.v1/0@8'],
      ['key-destroyed-without-whole-account-request', 'lethe.erasure.events.v1/0@8'],
    ]);
  });

  it('finds an erasure under a hold placed before the request, and a key destroyed for part of an account', () => {
    expect(check(honest('req_1', T0 + MIN), [holdPlaced('hold_1', T0)])).toEqual([
      ['erased-under-legal-hold', 'lethe.erasure.events.v1/0@3'],
      ['erased-under-legal-hold', 'lethe.erasure.events.v1/0@5'],
    ]);
    const partial = honest('req_2', T0);
    partial[0] = requested('req_2', T0, false);
    partial[6] = completed('req_2', T0 + 6, { notes: 'erased', 'key-vault': 'erased' }, undefined, {
      requestedAt: T0,
      all: false,
    });
    expect(check(partial)).toEqual([
      ['key-destroyed-without-whole-account-request', 'lethe.erasure.events.v1/0@5'],
    ]);
  });

  it('finds a completion before every planned participant answered', () => {
    const early = honest('req_1', T0);
    early.splice(5, 1); // the key vault's answer never came
    // Its certificate says the key vault erased: the log gives no such answer either.
    expect(check(early)).toEqual([
      ['completed-before-participants-answered', 'lethe.erasure.events.v1/0@5'],
      ['certificate-mismatch', 'lethe.erasure.events.v1/0@5'],
    ]);
    // Certified as failed instead (it never answered, however often it was asked): what happened.
    early[5] = completed('req_1', T0 + 6, { notes: 'erased', 'key-vault': 'failed' });
    expect(check(early)).toEqual([]);
  });

  it('finds a certificate the log does not bear out', () => {
    const log = honest('req_1', T0);
    // The completion certifies the key vault's erasure, but the certificate says it kept the key.
    log[6] = completed(
      'req_1',
      T0 + 6,
      { notes: 'erased', 'key-vault': 'erased' },
      { notes: 'erased', 'key-vault': 'retained-legal' },
    );
    expect(check(log)).toEqual([['certificate-mismatch', 'lethe.erasure.events.v1/0@6']]);
    // A certificate and completion that agree, on an outcome no answer on the log gave.
    log[6] = completed('req_1', T0 + 6, { notes: 'anonymised', 'key-vault': 'erased' });
    expect(check(log)).toEqual([['certificate-mismatch', 'lethe.erasure.events.v1/0@6']]);
    const digest = { ...honest('req_1', T0)[6]! };
    const data = digest.data as { certificate: { json: string; digest: string } };
    digest.data = {
      ...data,
      certificate: { ...data.certificate, digest: `sha256:${'0'.repeat(64)}` },
    } as never;
    log[6] = digest;
    expect(check(log)).toEqual([['certificate-mismatch', 'lethe.erasure.events.v1/0@6']]);
  });

  it('recomputes the certificate from the log: any field the log does not bear out is a mismatch', () => {
    const log = honest('req_1', T0);
    // Consistent in itself (its digest is of its JSON) and in its outcomes, but stating another
    // request time than the log's ErasureRequested.
    log[6] = completed('req_1', T0 + 6, { notes: 'erased', 'key-vault': 'erased' }, undefined, {
      requestedAt: T0 - 24 * 60 * MIN,
    });
    expect(check(log)).toEqual([['certificate-mismatch', 'lethe.erasure.events.v1/0@6']]);
  });

  it('accepts a legal retention the policy on the retention log states, and no other', () => {
    const keepFor = 1095 * 24 * 60 * MIN;
    const policy = makeEvent('PolicyVersionActivated', on('', T0 - MIN, 'retention'), {
      policyVersion: 'p1',
      digest: 'sha256:1',
      activatedBy: 'operator',
      llmProviderRetentionMs: null,
      legalRetention: [
        { clock: 'consent-proof', categories: ['contact'], basis: 'GDPR Art. 7(1)', keepForMs: keepFor },
      ],
    });
    const withRetention = (retainedUnderLaw: RetainedUnderLaw[]) => {
      const log = honest('req_1', T0);
      log[3] = answered('req_1', 'notes', T0 + 3, 'retained-legal');
      log[6] = completed('req_1', T0 + 6, { notes: 'retained-legal', 'key-vault': 'erased' }, undefined, {
        requestedAt: T0,
        retainedUnderLaw,
        until: T0 + 6 + keepFor,
      });
      return check(log, [policy]);
    };
    const stated = {
      participantId: 'notes',
      clock: 'consent-proof',
      basis: 'GDPR Art. 7(1)',
      until: T0 + 6 + keepFor,
    };
    expect(withRetention([stated])).toEqual([]);
    expect(withRetention([{ ...stated, basis: 'a basis no policy gives' }])).toEqual([
      ['certificate-mismatch', 'lethe.erasure.events.v1/0@6'],
    ]);
    expect(withRetention([])).toEqual([['certificate-mismatch', 'lethe.erasure.events.v1/0@6']]);
  });
});
