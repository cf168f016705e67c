import { isEventOfType, type LetheEvent } from '@lethe/events';

import { eventually } from './isolation';
import { readAllEvents } from './events';
import { startWorld, type World } from './world';

// A legal hold placed just before a deletion must block it, every time: the hold's 201 means
// the hold will meet any request made after it, whatever order the logs are consumed in.

const ROUNDS = Number(process.env.LETHE_HOLD_RACE_ROUNDS ?? 500);
const AT_ONCE = 8;

describe('a legal hold placed just before a deletion', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ name: 'holdrace' });
  });
  afterAll(async () => world?.stop());

  it(`blocks the erasure in every one of ${ROUNDS} rounds of "hold, then delete at once"`, async () => {
    const { accounts, retention, erasure, operator } = world;
    const subjects: string[] = [];
    for (let i = 0; i < ROUNDS; i += AT_ONCE)
      subjects.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(AT_ONCE, ROUNDS - i) }, (_, j) => world.openAccount(`held${i + j}`)),
        )),
      );
    // A hold needs a subject retention has seen.
    await world.consumedUpTo('lethe.retention', 'lethe.account.events.v1', 120_000);

    const holdOf = new Map<string, string>();
    const requestOf = new Map<string, string>();
    const round = async (subjectId: string) => {
      const held = await retention.app.inject({
        method: 'POST',
        url: '/v1/legal-holds',
        headers: operator,
        payload: { subjectId, reference: 'case-7', reason: 'litigation' },
      });
      expect(held.statusCode).toBe(201);
      holdOf.set(subjectId, held.json<{ holdId: string }>().holdId);
      // No wait of any kind between the hold's answer and the deletion.
      const deleted = await accounts.app.inject({
        method: 'DELETE',
        url: `/v1/accounts/${subjectId}`,
        headers: operator,
      });
      expect(deleted.statusCode).toBe(202);
      requestOf.set(subjectId, deleted.json<{ requestId: string }>().requestId);
    };
    for (let i = 0; i < subjects.length; i += AT_ONCE)
      await Promise.all(subjects.slice(i, i + AT_ONCE).map(round));

    const ours = new Set(subjects);
    const byType = (events: LetheEvent[], type: LetheEvent['envelope']['type']) =>
      new Set(events.filter((e) => e.envelope.type === type).map((e) => e.envelope.subjectId));
    // Every request is on the log, blocked or (the defect) planned.
    const log = await eventually(
      async () => {
        const events = (
          await readAllEvents(world.kafka, world.codec, world.topicName('lethe.erasure.events.v1'))
        ).filter((e) => ours.has(e.envelope.subjectId ?? ''));
        const decided = new Set([...byType(events, 'ErasureBlocked'), ...byType(events, 'ErasurePlanned')]);
        return decided.size === subjects.length ? events : undefined;
      },
      240_000,
      `all ${subjects.length} requests decided`,
    );
    const proceeded = byType(log, 'ErasurePlanned');
    expect({ proceeded: proceeded.size, issued: byType(log, 'ErasureTaskIssued').size }).toEqual({
      proceeded: 0,
      issued: 0,
    });
    expect(byType(log, 'ErasureBlocked').size).toBe(subjects.length);
    for (const e of log.filter((event) => isEventOfType(event, 'ErasureBlocked')))
      if (isEventOfType(e, 'ErasureBlocked'))
        expect(e.data.holdIds).toEqual([holdOf.get(e.envelope.subjectId!)]);

    // The account is still there under its hold; releasing the hold resumes the same request.
    const resumed = subjects[0]!;
    expect(
      (await accounts.app.inject({ url: `/v1/accounts/${resumed}`, headers: operator })).statusCode,
    ).toBe(200);
    const released = await retention.app.inject({
      method: 'DELETE',
      url: `/v1/legal-holds/${holdOf.get(resumed)}`,
      headers: operator,
    });
    expect(released.statusCode).toBe(204);
    const view = await eventually(
      async () => {
        const response = await erasure.app.inject({
          url: `/v1/erasure-requests/${requestOf.get(resumed)}`,
          headers: operator,
        });
        const body = response.json<{ status: string; result?: string }>();
        return body.status === 'completed' ? body : undefined;
      },
      60_000,
      'the released request to complete',
    );
    expect(view.result).toBe('complete');
  }, 300_000);
});
