import { foldEvents } from '@lethe/eventstore';

import { erasureDecider, nextWakeup } from './decider';
import {
  AT_RISK_BEFORE_DUE_MS,
  retryBackoffMs,
  type ErasureCommand,
  type ErasureEvent,
  type ErasureState,
  type StoredErasureState,
  type TaskResult,
  upcastErasureState,
} from './model';

const now = new Date('2026-11-27T12:00:00Z');
const participants = [
  { participantId: 'account', categories: ['account', 'contact'], phase: 1, timeoutMs: 1000 },
  { participantId: 'notes', categories: ['user-content'], phase: 1, timeoutMs: 1000 },
  { participantId: 'marketing', categories: ['marketing-contact'], phase: 1, timeoutMs: 1000 },
  // Answers access requests only: no categories, so no erasure plans it, whole-account or not.
  { participantId: 'schedule', categories: [], phase: 1, timeoutMs: 1000 },
  {
    participantId: 'key-vault',
    categories: ['account', 'contact', 'user-content'],
    phase: 99,
    timeoutMs: 1000,
  },
];
const request: ErasureCommand = {
  type: 'RequestErasure',
  data: {
    requestId: 'req_1',
    subjectId: 'sub_1',
    scope: { all: true, categories: [] },
    reason: 'user-request',
    regulation: 'GDPR',
    participants,
  },
  metadata: { now },
};
const done = (outcome = 'erased', verifiedEmpty = true): TaskResult => ({
  outcome,
  counts: { store: 1 },
  verifiedEmpty,
  evidenceDigest: 'sha256:x',
  retainedUntil: null,
});
const answer = (
  participantId: string,
  attempt: number,
  result: { completed?: TaskResult; failed?: { retriable: boolean; code: string } },
): ErasureCommand => ({
  type: 'RecordTaskOutcome',
  data: {
    requestId: 'req_1',
    participantId,
    attempt,
    completed: result.completed ?? null,
    failed: result.failed ?? null,
  },
  metadata: { now },
});

/** Time passing: `ms` after the request. */
const tick = (ms: number): ErasureCommand => ({
  type: 'Tick',
  metadata: { now: new Date(now.getTime() + ms) },
});

/** Runs commands in order, returning every event decided and the final state. */
function run(commands: ErasureCommand[], start: ErasureState = erasureDecider.initialState()) {
  let state = start;
  const events: ErasureEvent[] = [];
  for (const command of commands) {
    const decided = erasureDecider.decide(command, state);
    events.push(...decided);
    state = foldEvents(erasureDecider, state, decided);
  }
  return { events, state };
}
const types = (events: readonly ErasureEvent[]) =>
  events.map((e) =>
    e.type === 'ErasureTaskIssued' ? `Issued:${e.data.participantId}#${e.data.attempt}` : e.type,
  );

describe('the erasure decider', () => {
  it('plans every participant in scope and issues the first phase only', () => {
    expect(types(run([request]).events)).toEqual([
      'ErasureRequested',
      'ErasurePlanned',
      'Issued:account#1',
      'Issued:notes#1',
      'Issued:marketing#1',
    ]);
    const scoped = {
      ...request,
      data: { ...request.data, scope: { all: false, categories: ['marketing-contact'] } },
    };
    expect(types(run([scoped]).events)).toEqual(['ErasureRequested', 'ErasurePlanned', 'Issued:marketing#1']);
  });

  it('retries a retriable failure, runs the key vault last, and completes exactly once', () => {
    const { events, state } = run([
      request,
      answer('account', 1, { completed: done() }),
      answer('notes', 1, { failed: { retriable: true, code: 'STORE_UNAVAILABLE' } }),
      answer('marketing', 1, { completed: done('not-found') }),
      tick(retryBackoffMs(1)),
      answer('notes', 2, { completed: done() }),
      answer('key-vault', 1, { completed: done() }),
      answer('key-vault', 1, { completed: done() }), // a duplicate answer
    ]);
    expect(types(events).filter((t) => t.startsWith('Issued') || t === 'ErasureCompleted')).toEqual([
      'Issued:account#1',
      'Issued:notes#1',
      'Issued:marketing#1',
      'Issued:notes#2',
      'Issued:key-vault#1',
      'ErasureCompleted',
    ]);
    const completed = events.find((e) => e.type === 'ErasureCompleted');
    expect(completed?.type === 'ErasureCompleted' && completed.data.result).toBe('complete');
    expect(state).toMatchObject({ status: 'idle', completed: [{ result: 'complete' }] });
    // The same request again (a duplicate delivery) changes nothing.
    expect(erasureDecider.decide(request, state)).toEqual([]);
  });

  it('accepts each answer once, and none to an attempt never issued, for the erasure log', () => {
    const accepted = (events: readonly ErasureEvent[]) =>
      events.flatMap((e) =>
        e.type === 'TaskAnswerAccepted' ? [`${e.data.participantId}#${e.data.attempt}`] : [],
      );
    const { events } = run([
      request,
      answer('account', 1, { completed: done() }),
      answer('account', 1, { completed: done() }), // delivered twice
      answer('notes', 2, { completed: done() }), // an attempt never issued
      answer('key-vault', 1, { completed: done() }), // a task not issued yet (a forgery)
      answer('notes', 1, { failed: { retriable: false, code: 'GONE' } }),
    ]);
    expect(accepted(events)).toEqual(['account#1', 'notes#1']);
    // The accepted answer comes first, as the participant gave it, then what the service made of it.
    const at = events.findIndex((e) => e.type === 'TaskAnswerAccepted');
    expect(events[at + 1]?.type).toBe('TaskOutcomeRecorded');
  });

  it('takes a proof of erasure that comes after its attempt timed out, and no late failure', () => {
    const accepted = (events: readonly ErasureEvent[]) =>
      events.flatMap((e) =>
        e.type === 'TaskAnswerAccepted' ? [`${e.data.participantId}#${e.data.attempt}`] : [],
      );
    const { events, state } = run([
      request,
      tick(1000), // every phase-1 attempt timed out: all in backoff
      answer('account', 1, { completed: done() }), // late, during the backoff
      tick(1000 + retryBackoffMs(1)), // notes and marketing asked again
      answer('notes', 1, { failed: { retriable: false, code: 'GONE' } }), // a late failure: ignored
      answer('notes', 1, { completed: done() }), // a late proof, while attempt 2 is out
      answer('marketing', 2, { completed: done('not-found') }),
      answer('key-vault', 1, { completed: done() }),
      answer('notes', 2, { completed: done() }), // the request is complete: nothing changes
    ]);
    expect(accepted(events)).toEqual(['account#1', 'notes#1', 'marketing#2', 'key-vault#1']);
    expect(types(events).filter((t) => t.startsWith('Issued'))).toEqual([
      'Issued:account#1',
      'Issued:notes#1',
      'Issued:marketing#1',
      'Issued:notes#2',
      'Issued:marketing#2',
      'Issued:key-vault#1',
    ]);
    const completed = events.find((e) => e.type === 'ErasureCompleted');
    expect(completed?.type === 'ErasureCompleted' && completed.data.result).toBe('complete');
    expect(state).toMatchObject({ status: 'idle', completed: [{ result: 'complete' }] });
  });

  it('turns a task that ran out of attempts into done when its proof comes while the request is open', () => {
    const timedOut = Array.from({ length: 3 }, (_, i) => [
      tick(i * (1000 + retryBackoffMs(3)) + 1000),
      tick(i * (1000 + retryBackoffMs(3)) + 1000 + retryBackoffMs(3)),
    ]).flat();
    const { events, state } = run([
      request,
      answer('account', 1, { completed: done() }),
      answer('marketing', 1, { completed: done() }),
      ...timedOut, // notes: three silent attempts, then failed; the key vault is issued
      answer('notes', 2, { completed: done() }),
      answer('key-vault', 1, { completed: done() }),
    ]);
    expect(types(events)).toContain('Issued:notes#3');
    const completed = events.find((e) => e.type === 'ErasureCompleted');
    expect(
      completed?.type === 'ErasureCompleted' &&
        completed.data.outcomes.find((o) => o.participantId === 'notes')?.outcome,
    ).toBe('erased');
    expect(state).toMatchObject({ status: 'idle', completed: [{ result: 'complete' }] });
  });

  it('never lets a failing participant block the others, and says partial', () => {
    const { events } = run([
      request,
      answer('account', 1, { completed: done() }),
      answer('marketing', 1, { completed: done() }),
      ...[1, 2, 3].flatMap((attempt) => [
        answer('notes', attempt, { failed: { retriable: true, code: 'DOWN' } }),
        ...(attempt < 3 ? [tick(retryBackoffMs(attempt))] : []), // the third failure is final
      ]),
      answer('key-vault', 1, { completed: done() }),
    ]);
    const completed = events.find((e) => e.type === 'ErasureCompleted');
    if (completed?.type !== 'ErasureCompleted') throw new Error('not completed');
    expect(completed.data.result).toBe('partial');
    expect(completed.data.outcomes.find((o) => o.participantId === 'notes')).toMatchObject({
      outcome: 'failed',
      verifiedEmpty: false,
    });
    expect(JSON.parse(completed.data.certificate.json)).toMatchObject({
      requestId: 'req_1',
      result: 'partial',
    });
  });

  it('joins a second request for the subject while one is open', () => {
    const { state } = run([request]);
    expect(
      erasureDecider.decide({ ...request, data: { ...request.data, requestId: 'req_2' } }, state),
    ).toEqual([]);
  });

  it('writes a deterministic certificate', () => {
    const steps = [
      request,
      ...['account', 'notes', 'marketing'].map((p) => answer(p, 1, { completed: done() })),
      answer('key-vault', 1, { completed: done() }),
    ];
    const a = run(steps).events.find((e) => e.type === 'ErasureCompleted');
    const b = run(steps).events.find((e) => e.type === 'ErasureCompleted');
    expect(a).toEqual(b);
    expect(a?.type === 'ErasureCompleted' && a.data.certificate.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The sealed copies no participant reaches are named, with the day they are gone.
    const certificate = JSON.parse(a?.type === 'ErasureCompleted' ? a.data.certificate.json : '{}') as {
      completedAt: string;
      residualCopies: { store: string; goneBy: string }[];
    };
    const daysAfter = (iso: string) => (Date.parse(iso) - Date.parse(certificate.completedAt)) / 86_400_000;
    expect(certificate.residualCopies.map((copy) => [copy.store, daysAfter(copy.goneBy)])).toEqual([
      ['kafka:lethe.account.ingest.v1', 8],
      ['kafka:lethe.account.ingest.v1.dlq', 31],
    ]);
  });

  it('waits out a backoff before the next attempt, and says when it will be', () => {
    const failed = run([request, answer('notes', 1, { failed: { retriable: true, code: 'DOWN' } })]);
    const retryAt = now.getTime() + retryBackoffMs(1);
    expect(nextWakeup(failed.state)?.getTime()).toBe(retryAt);
    expect(erasureDecider.decide(tick(retryBackoffMs(1) - 1), failed.state)).toEqual([]);
    expect(types(erasureDecider.decide(tick(retryBackoffMs(1)), failed.state))).toEqual(['Issued:notes#2']);
    expect(retryBackoffMs(2)).toBeGreaterThan(retryBackoffMs(1));
  });

  it('lets an operator retry a task in its backoff, or failed while the request is open, now and on the record', () => {
    const retry = (participantId: string, requestId = 'req_1'): ErasureCommand => ({
      type: 'RetryTask',
      data: { requestId, participantId, retriedBy: 'ops-ada' },
      metadata: { now },
    });
    // Waiting out its backoff: issued again at once, as the next attempt, with who asked.
    const backoff = run([request, answer('notes', 1, { failed: { retriable: true, code: 'DOWN' } })]);
    const retried = erasureDecider.decide(retry('notes'), backoff.state);
    expect(types(retried)).toEqual(['ErasureTaskRetried', 'Issued:notes#2']);
    expect(retried[0]).toEqual({
      type: 'ErasureTaskRetried',
      data: { requestId: 'req_1', participantId: 'notes', previousAttempt: 1, retriedBy: 'ops-ada' },
    });
    // Failed for good while another task is still out: issued again, and the request waits for it.
    const failed = run([request, answer('notes', 1, { failed: { retriable: false, code: 'GONE' } })]);
    const again = run([retry('notes')], failed.state);
    expect(types(again.events)).toEqual(['ErasureTaskRetried', 'Issued:notes#2']);
    const settled = run(
      [
        answer('account', 1, { completed: done() }),
        answer('marketing', 1, { completed: done() }),
        answer('notes', 2, { completed: done() }),
        answer('key-vault', 1, { completed: done() }),
      ],
      again.state,
    );
    expect(settled.events.find((e) => e.type === 'ErasureCompleted')?.data).toMatchObject({
      result: 'complete',
    });
    // Nothing else is retried: a task in progress, one done, another request, an unknown participant.
    expect(() => erasureDecider.decide(retry('account'), failed.state)).toThrow(/in progress|issued/);
    expect(() => erasureDecider.decide(retry('nobody'), failed.state)).toThrow(/no task/);
    expect(() => erasureDecider.decide(retry('notes', 'req_2'), failed.state)).toThrow(/open request/);
  });

  it('counts a silent attempt past its timeout as a retriable failure', () => {
    const { state } = run([request, answer('account', 1, { completed: done() })]);
    const decided = erasureDecider.decide(tick(1000), state);
    expect(decided).toEqual([
      expect.objectContaining({
        type: 'TaskOutcomeRecorded',
        data: expect.objectContaining({
          participantId: 'notes',
          status: 'retrying',
          failureCode: 'TASK_TIMEOUT',
        }),
      }),
      expect.objectContaining({
        type: 'TaskOutcomeRecorded',
        data: expect.objectContaining({ participantId: 'marketing', status: 'retrying' }),
      }),
    ]);
  });

  it('raises ErasureDeadlineAtRisk once, a week before the legal deadline, naming who is still open', () => {
    const slow = participants.map((p) => ({ ...p, timeoutMs: 40 * 86_400_000 }));
    const { state } = run([
      { ...request, data: { ...request.data, participants: slow } },
      answer('account', 1, { completed: done() }),
    ]);
    if (state.status !== 'open') throw new Error('not open');
    const warnAt = state.request.dueAt - AT_RISK_BEFORE_DUE_MS;
    expect(nextWakeup(state)?.getTime()).toBe(warnAt);
    expect(erasureDecider.decide(tick(warnAt - now.getTime() - 1), state)).toEqual([]);
    const warned = run([tick(warnAt - now.getTime())], state);
    expect(warned.events).toEqual([
      {
        type: 'ErasureDeadlineAtRisk',
        data: {
          requestId: 'req_1',
          dueAt: state.request.dueAt,
          openParticipants: ['notes', 'marketing', 'key-vault'],
        },
      },
    ]);
    expect(erasureDecider.decide(tick(warnAt - now.getTime() + 1000), warned.state)).toEqual([]);
    expect(nextWakeup(warned.state)?.getTime()).toBe(now.getTime() + 40 * 86_400_000);
  });

  it('extends a deadline within what the regulation allows, and warns again before the new one', () => {
    const slow = participants.map((p) => ({ ...p, timeoutMs: 200 * 86_400_000 }));
    const { state } = run([{ ...request, data: { ...request.data, participants: slow } }]);
    if (state.status !== 'open') throw new Error('not open');
    const originalDue = state.request.dueAt;
    const twoMonthsOn = new Date(originalDue);
    twoMonthsOn.setUTCMonth(twoMonthsOn.getUTCMonth() + 2);
    const extend = (dueAt: number): ErasureCommand => ({
      type: 'ExtendDeadline',
      data: { requestId: 'req_1', dueAt, reason: 'complexity', extendedBy: 'op' },
      metadata: { now },
    });
    expect(() => erasureDecider.decide(extend(twoMonthsOn.getTime() + 1), state)).toThrow(
      expect.objectContaining({ code: 'ERASURE_EXTENSION_INVALID' }),
    );
    expect(() => erasureDecider.decide(extend(originalDue), state)).toThrow(
      expect.objectContaining({ code: 'ERASURE_EXTENSION_INVALID' }),
    );
    const warned = run([tick(originalDue - AT_RISK_BEFORE_DUE_MS - now.getTime())], state);
    expect(warned.state).toMatchObject({ atRiskRaised: true });
    const extended = run([extend(twoMonthsOn.getTime())], warned.state);
    expect(extended.events).toEqual([
      {
        type: 'ErasureDeadlineExtended',
        data: {
          requestId: 'req_1',
          previousDueAt: originalDue,
          dueAt: twoMonthsOn.getTime(),
          reason: 'complexity',
          extendedBy: 'op',
          extendedAt: now.getTime(),
        },
      },
    ]);
    expect(extended.state).toMatchObject({ atRiskRaised: false, request: { dueAt: twoMonthsOn.getTime() } });
    expect(nextWakeup(extended.state)?.getTime()).toBe(twoMonthsOn.getTime() - AT_RISK_BEFORE_DUE_MS);
    // Asked again: recorded once. A second extension still counts from the original deadline.
    expect(erasureDecider.decide(extend(twoMonthsOn.getTime()), extended.state)).toEqual([]);
    const ccpa = run([{ ...request, data: { ...request.data, regulation: 'CCPA' } }]).state;
    if (ccpa.status !== 'open') throw new Error('not open');
    expect(erasureDecider.decide(extend(ccpa.request.dueAt + 45 * 86_400_000), ccpa)).toHaveLength(1);
    expect(() => erasureDecider.decide(extend(ccpa.request.dueAt + 46 * 86_400_000), ccpa)).toThrow(
      expect.objectContaining({ code: 'ERASURE_EXTENSION_INVALID' }),
    );
    const none = run([{ ...request, data: { ...request.data, regulation: null } }]).state;
    expect(() => erasureDecider.decide(extend(originalDue + 86_400_000), none)).toThrow(
      expect.objectContaining({ code: 'ERASURE_EXTENSION_NOT_ALLOWED' }),
    );
  });

  it("confirms once, when its date passes, that a provider's copies are past their retention", () => {
    const until = now.getTime() + 30 * 86_400_000;
    const kept = (participantId: string, outcome: string) =>
      answer(participantId, 1, {
        completed: { ...done(outcome), retainedUntil: outcome === 'erased' ? null : until },
      });
    const completed = run([
      request,
      kept('account', 'erased'),
      kept('notes', 'provider-retention'),
      kept('marketing', 'erased'),
      kept('key-vault', 'erased'),
    ]).state;
    expect(completed.status).toBe('idle');
    expect(nextWakeup(completed)?.getTime()).toBe(until);
    expect(erasureDecider.decide(tick(until - now.getTime() - 1), completed)).toEqual([]);
    const elapsed = run([tick(until - now.getTime())], completed);
    expect(elapsed.events).toEqual([
      {
        type: 'ProviderRetentionElapsed',
        data: { requestId: 'req_1', participantId: 'notes', retainedUntil: until },
      },
    ]);
    expect(nextWakeup(elapsed.state)).toBeNull();
    expect(erasureDecider.decide(tick(until - now.getTime() + 1000), elapsed.state)).toEqual([]);
  });

  it('cites the policy clause in the certificate when a participant kept records made anonymous', () => {
    const { events } = run([
      request,
      answer('account', 1, { completed: done() }),
      answer('notes', 1, { completed: done('anonymised') }),
      answer('marketing', 1, { completed: done() }),
      answer('key-vault', 1, { completed: done() }),
    ]);
    const completed = events.find((e) => e.type === 'ErasureCompleted');
    if (completed?.type !== 'ErasureCompleted') throw new Error('not completed');
    expect(JSON.parse(completed.data.certificate.json)).toMatchObject({
      keptAnonymous: { policyClause: 'anonymousData', participants: ['notes'] },
    });
  });

  it('dates what is kept under a legal obligation, and states the basis, from the terms the request carries', () => {
    const term = {
      clock: 'consent-proof',
      categories: ['contact'],
      basis: 'GDPR Art. 7(1)',
      keepForMs: 1095 * 86_400_000,
    };
    const { events } = run([
      { ...request, data: { ...request.data, legalRetention: [term] } },
      answer('account', 1, { completed: done('retained-legal') }),
      answer('notes', 1, { completed: done('retained-legal') }),
      answer('marketing', 1, { completed: done() }),
      answer('key-vault', 1, { completed: done() }),
    ]);
    const completed = events.find((e) => e.type === 'ErasureCompleted');
    if (completed?.type !== 'ErasureCompleted') throw new Error('not completed');
    const until = now.getTime() + term.keepForMs;
    // account holds `contact` data: the term covers it; notes (user-content) has no term: no date.
    expect(completed.data.outcomes.find((o) => o.participantId === 'account')?.retainedUntil).toBe(until);
    expect(completed.data.outcomes.find((o) => o.participantId === 'notes')?.retainedUntil).toBeNull();
    expect(JSON.parse(completed.data.certificate.json)).toMatchObject({
      retainedUnderLaw: [
        {
          participantId: 'account',
          clock: 'consent-proof',
          basis: 'GDPR Art. 7(1)',
          until: new Date(until).toISOString(),
        },
      ],
    });
  });
});

describe('states stored by older versions', () => {
  it('load with the fields added since: no holds, not blocked, no warning raised, no retry due', () => {
    const stored: StoredErasureState = {
      status: 'open',
      request: {
        requestId: 'req_old',
        subjectId: 'sub_1',
        scope: { all: true, categories: [] },
        reason: 'user-request',
        regulation: 'GDPR',
        requestedAt: now.getTime(),
        dueAt: now.getTime() + 30 * 86_400_000,
      },
      completed: [],
      tasks: [
        {
          participantId: 'account',
          phase: 1,
          categories: ['account'],
          timeoutMs: 1000,
          attempt: 1,
          status: 'issued',
          deadlineAt: now.getTime() + 1000,
          result: null,
          failureCode: null,
        },
      ],
    };
    const state = upcastErasureState(stored);
    expect(state).toMatchObject({ holds: [], blocked: false, atRiskRaised: false });
    expect(state.status === 'open' && state.tasks[0]!.retryAt).toBeNull();
    // And the decider takes it from there: a hold placed now is a hold.
    const held = erasureDecider.decide(
      { type: 'PlaceHold', data: { holdId: 'h1' }, metadata: { now } },
      state,
    );
    expect(held).toEqual([{ type: 'HoldPlaced', data: { holdId: 'h1' } }]);
    expect(upcastErasureState({ status: 'idle', completed: [] })).toEqual({
      status: 'idle',
      completed: [],
      holds: [],
    });
  });
});
