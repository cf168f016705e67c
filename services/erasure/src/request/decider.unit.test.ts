import { foldEvents } from '@lethe/eventstore';

import { erasureDecider } from './decider';
import type { ErasureCommand, ErasureEvent, ErasureState, TaskResult } from './model';

const now = new Date('2026-11-27T12:00:00Z');
const participants = [
  { participantId: 'account', categories: ['account', 'contact'], phase: 1, timeoutMs: 1000 },
  { participantId: 'notes', categories: ['user-content'], phase: 1, timeoutMs: 1000 },
  { participantId: 'marketing', categories: ['marketing-contact'], phase: 1, timeoutMs: 1000 },
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
const types = (events: ErasureEvent[]) =>
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

  it('never lets a failing participant block the others, and says partial', () => {
    const { events } = run([
      request,
      answer('account', 1, { completed: done() }),
      answer('marketing', 1, { completed: done() }),
      ...[1, 2, 3].map((attempt) => answer('notes', attempt, { failed: { retriable: true, code: 'DOWN' } })),
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
});
