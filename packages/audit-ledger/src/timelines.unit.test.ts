import { makeEvent, type LetheEvent } from '@lethe/events';

import type { Problem } from './problems';
import { timelines } from './timelines';

const DAY = 86_400_000;
const requestedAt = Date.parse('2026-01-10T00:00:00Z');
const originalDue = requestedAt + 30 * DAY;
const twoMonthsOn = Date.parse('2026-04-09T00:00:00Z'); // 2026-02-09 plus two calendar months

const at = (occurredAt: number) => ({
  subjectId: 'sub_1',
  correlationId: 'req_1',
  producer: 'erasure',
  occurredAt,
});
const requested = (regulation: string | null) =>
  makeEvent('ErasureRequested', at(requestedAt), {
    requestId: 'req_1',
    scope: { all: true, categories: [], keep: [] },
    reason: 'user-request',
    regulation,
    requestedAt,
    dueAt: originalDue,
  });
const extended = (dueAt: number, previousDueAt = originalDue) =>
  makeEvent('ErasureDeadlineExtended', at(requestedAt + DAY), {
    requestId: 'req_1',
    previousDueAt,
    dueAt,
    reason: 'complexity',
    extendedBy: 'operator-1',
  });
const completed = (when: number) =>
  makeEvent('ErasureCompleted', at(when), {
    requestId: 'req_1',
    result: 'complete',
    outcomes: [],
    certificate: { json: '{}', digest: 'sha256:0' },
  });

function verify(events: LetheEvent[]) {
  const problems: Problem[] = [];
  const [timeline] = timelines(
    events.map((event, offset) => ({ event, position: `erasure/0@${offset}` })),
    twoMonthsOn + 100 * DAY,
    problems,
  );
  return { problems, timeline };
}

describe('deadline extensions in the verifier', () => {
  it('measures a completion against a lawful extension', () => {
    const { problems, timeline } = verify([
      requested('GDPR'),
      extended(twoMonthsOn),
      completed(originalDue + 10 * DAY),
    ]);
    expect(problems).toEqual([]);
    expect(timeline).toMatchObject({ dueAt: twoMonthsOn, status: 'completed' });
  });

  it('reports an extension past what the regulation allows, or under none, and keeps the deadline it had', () => {
    const tooFar = verify([
      requested('GDPR'),
      extended(twoMonthsOn + DAY),
      completed(originalDue + 10 * DAY),
    ]).problems;
    expect(tooFar.map((p) => [p.kind, p.position])).toEqual([
      ['deadline-extension-invalid', 'erasure/0@1'],
      ['request-completed-late', 'erasure/0@2'],
    ]);
    const ccpa = verify([requested('CCPA'), extended(originalDue + 46 * DAY)]).problems;
    expect(ccpa[0]).toMatchObject({ kind: 'deadline-extension-invalid' });
    const none = verify([requested(null), extended(originalDue + DAY)]).problems;
    expect(none[0]).toMatchObject({
      kind: 'deadline-extension-invalid',
      detail: expect.stringContaining('none'),
    });
    const stale = verify([requested('GDPR'), extended(twoMonthsOn, originalDue - DAY)]).problems;
    expect(stale[0]).toMatchObject({ kind: 'deadline-extension-invalid' });
  });
});

describe('access requests on the erasure log', () => {
  it('are not erasure requests: none is listed, and none is open without completion', () => {
    const access = makeEvent('AccessRequested', at(requestedAt), {
      requestId: 'acc_1',
      requestedAt,
      participants: ['account'],
      exportKey: 'MCowBQYDK2VuAyEA',
    });
    const problems: Problem[] = [];
    const found = timelines([{ event: access, position: 'erasure/0@0' }], requestedAt + 100 * DAY, problems);
    expect(found).toEqual([]);
    expect(problems).toEqual([]);
  });
});

describe("each participant's answer in a timeline", () => {
  it('keeps the last answer of every planned participant, its latency from the plan, and the at-risk flag', () => {
    const task = { requestId: 'req_1', attempt: 1 };
    const { timeline } = verify([
      requested('GDPR'),
      makeEvent('ErasurePlanned', at(requestedAt + 1000), {
        requestId: 'req_1',
        tasks: ['account', 'key-vault', 'mail'].map((participantId) => ({
          participantId,
          phase: 1,
          categories: [],
        })),
      }),
      makeEvent('ErasureTaskFailed', at(requestedAt + 2000), {
        ...task,
        participantId: 'account',
        retriable: true,
        code: 'STORE_UNAVAILABLE',
      }),
      makeEvent('ErasureTaskCompleted', at(requestedAt + 4000), {
        ...task,
        participantId: 'account',
        outcome: 'erased',
        counts: { profiles: 1 },
        verifiedEmpty: true,
        evidenceDigest: 'sha256:00',
        retainedUntil: null,
      }),
      makeEvent('ErasureTaskFailed', at(requestedAt + 5000), {
        ...task,
        participantId: 'mail',
        retriable: true,
        code: 'SMTP_DOWN',
      }),
      makeEvent('ErasureDeadlineAtRisk', at(originalDue - DAY), {
        requestId: 'req_1',
        dueAt: originalDue,
        openParticipants: ['key-vault', 'mail'],
      }),
    ]);
    expect(timeline).toMatchObject({
      reason: 'user-request',
      regulation: 'GDPR',
      atRisk: true,
      completionPosition: null,
      participants: [
        { participantId: 'account', outcome: 'erased', failure: null, latencyMs: 3000 },
        { participantId: 'key-vault', outcome: 'open', failure: null, latencyMs: null },
        { participantId: 'mail', outcome: 'failed', failure: 'SMTP_DOWN', latencyMs: null },
      ],
    });
    expect(verify([requested('GDPR'), completed(requestedAt + DAY)]).timeline?.completionPosition).toBe(
      'erasure/0@1',
    );
  });
});
