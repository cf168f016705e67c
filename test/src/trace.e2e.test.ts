import { randomBytes } from 'node:crypto';

import { eventually } from './isolation';
import { testKafka } from './kafka';
import { describeOnLocalStack, fetchLocal, letheUp, operatorAuthorization } from './local-stack';

// One trace from a deletion to its certificate (issue 13): the DELETE's W3C traceparent
// continues through the account log, the erasure log, every task and every answer, across the
// outbox relays and all five hops, to ErasureCompleted.

describeOnLocalStack('a deletion is one trace', () => {
  it('carries the traceparent of the DELETE to every task, answer and ErasureCompleted', async () => {
    letheUp();
    const authorization = operatorAuthorization('trace-test');

    const created = await fetchLocal('https://127.0.0.1:3001/v1/accounts', {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'trace@example.com', name: 'Trace Test' }),
    });
    const { subjectId } = (await created.json()) as { subjectId: string };
    const traceId = randomBytes(16).toString('hex');
    const deleted = await fetchLocal(`https://127.0.0.1:3001/v1/accounts/${subjectId}`, {
      method: 'DELETE',
      headers: { authorization, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(deleted.status).toBe(202);
    expect(deleted.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const { requestId } = (await deleted.json()) as { requestId: string };
    await eventually(
      async () => {
        const answer = await fetchLocal(`https://127.0.0.1:3004/v1/erasure-requests/${requestId}`, {
          headers: { authorization },
        });
        return ((await answer.json()) as { status: string }).status === 'completed' ? true : undefined;
      },
      60_000,
      'the erasure to complete',
    );

    const kafka = await testKafka();
    try {
      const traced = new Map<string, Set<string>>(); // event type -> trace ids seen
      const read = async (topic: string) =>
        kafka.readTopic(topic, (record) => {
          if (record.key?.toString() !== subjectId) return;
          const type = `${topic.split('.')[2]}:${record.headers['lethe.event-type'] ?? '?'}`;
          const seen = traced.get(type) ?? new Set<string>();
          seen.add(record.headers.traceparent?.split('-')[1] ?? 'none');
          traced.set(type, seen);
        });
      await read('lethe.erasure.events.v1');
      await read('lethe.erasure.answers.v1');
      await read('lethe.erasure.tasks.account.v1');
      await read('lethe.erasure.tasks.key-vault.v1');
      expect([...traced.keys()]).toEqual(
        expect.arrayContaining([
          'events:ErasureRequested',
          'events:ErasureTaskIssued',
          'events:ErasureCompleted',
        ]),
      );
      expect([...traced.keys()].some((type) => type.startsWith('tasks:'))).toBe(true);
      expect([...traced.keys()].some((type) => type.startsWith('answers:'))).toBe(true);
      for (const [type, ids] of traced) expect({ type, ids: [...ids] }).toEqual({ type, ids: [traceId] });
    } finally {
      await kafka.close();
    }
  }, 180_000);
});
