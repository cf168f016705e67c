import { randomBytes } from 'node:crypto';

import { isEventOfType } from '@lethe/events';
import type { Participant } from '@lethe/participant';
import { serviceOperations } from '@lethe/service-kit';
import { eventually, openTestScope, readAllEvents, type TestScope } from '@lethe/test-harness';

import {
  completedRequest,
  ERASURE_TOPICS,
  erasedResult,
  operatorKeys,
  startTestErasure,
  testParticipant,
} from '../test/erasure-fixture';
import { retryBackoffMs } from './request/model';
import type { ErasureService } from './service';

// Two participants that fail. One takes its task and never answers: the task times out, is issued
// again up to the limit, then counts as failed. One fails twice and then succeeds: it is retried
// after a backoff and ends erased. The others finish, and the request completes as partial.

const { publicKey, operator } = operatorKeys();

describe('participants that fail', () => {
  let scope: TestScope;
  let erasure: ErasureService;
  const participants: Participant[] = [];
  let attemptsSeen = 0;
  let flakyAttempts = 0;
  let wakeSilent!: () => void;
  const silentUntilTheEnd = new Promise<void>((resolve) => (wakeSilent = resolve));

  beforeAll(async () => {
    scope = await openTestScope('timeout', { topics: ERASURE_TOPICS });
    participants.push(
      await testParticipant(
        scope,
        'silent',
        async () => {
          attemptsSeen += 1;
          await silentUntilTheEnd; // answers only after the test, far past every deadline
          return { outcome: 'erased', counts: {}, verifiedEmpty: true, evidence: {} };
        },
        { timeoutMs: 400 },
      ),
      await testParticipant(scope, 'prompt', async () => erasedResult('test:prompt')),
      await testParticipant(scope, 'flaky', async () => {
        flakyAttempts += 1;
        if (flakyAttempts <= 2)
          throw Object.assign(new Error('store unavailable'), { code: 'STORE_UNAVAILABLE', retriable: true });
        return erasedResult('test:flaky');
      }),
    );
    erasure = await startTestErasure(scope, publicKey, serviceOperations('erasure', scope.kafka));
    await eventually(
      async () => (erasure.directory.list().length === 6 ? true : undefined),
      30_000,
      'six participants',
    );
  });

  afterAll(async () => {
    await erasure.stop();
    wakeSilent();
    await Promise.all(participants.map((p) => p.stop()));
    await scope.close();
  });

  it('retries with backoff, times out the silent one, and completes as partial without waiting for it', async () => {
    const traceId = randomBytes(16).toString('hex');
    const created = await erasure.app.inject({
      method: 'POST',
      url: '/v1/erasure-requests',
      headers: { ...operator, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      payload: { subjectId: 'sub_timeout', reason: 'dsar' },
    });
    expect(created.statusCode).toBe(202);
    const { requestId } = created.json<{ requestId: string }>();
    // In flight: /metrics counts it open (and neither blocked nor overdue).
    expect(await requestGauges()).toEqual({ open: 1, blocked: 0, at_risk: 0, overdue: 0 });

    const status = await completedRequest(erasure.app, requestId, operator);
    expect(status.result).toBe('partial');
    expect(Object.fromEntries(status.outcomes.map((o) => [o.participantId, o.outcome]))).toEqual({
      'access-exports': 'not-found',
      flaky: 'erased',
      'key-vault': 'erased',
      'llm-providers': 'not-found',
      prompt: 'erased',
      silent: 'failed',
    });
    // The silent task went out once per attempt; only the first reached the hung handler (the
    // participant works one task at a time), which is how a stuck store looks from outside.
    expect(attemptsSeen).toBeGreaterThanOrEqual(1);

    // On the log: the flaky participant failed twice, and each retry waited out its backoff.
    const onLog = (
      await readAllEvents(scope.kafka, scope.codec, scope.topicName('lethe.erasure.events.v1'))
    ).filter((event) => (event.data as { participantId?: string }).participantId === 'flaky');
    const failures = onLog.filter((event) => isEventOfType(event, 'ErasureTaskFailed'));
    expect(failures.map((event) => (event.data as { code: string }).code)).toEqual([
      'STORE_UNAVAILABLE',
      'STORE_UNAVAILABLE',
    ]);
    const issued = onLog.filter((event) => isEventOfType(event, 'ErasureTaskIssued'));
    expect(issued.map((event) => (event.data as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    for (const attempt of [1, 2]) {
      const failedAt = failures[attempt - 1]!.envelope.occurredAt;
      expect(issued[attempt]!.envelope.occurredAt - failedAt).toBeGreaterThanOrEqual(
        retryBackoffMs(attempt) - 50,
      );
    }
    expect(flakyAttempts).toBe(3);

    // Timeouts and retries, which the passing of time decides, continue the request's trace.
    const tracesOfTasks = new Set<string>();
    await scope.kafka.readTopic(scope.topicName('lethe.erasure.events.v1'), (record) => {
      if (record.headers['lethe.event-type'] === 'ErasureTaskIssued')
        tracesOfTasks.add(record.headers.traceparent?.split('-')[1] ?? 'none');
    });
    expect([...tracesOfTasks]).toEqual([traceId]);

    // Completed: nothing is open any more, and each participant's answers were timed.
    expect(await requestGauges()).toEqual({ open: 0, blocked: 0, at_risk: 0, overdue: 0 });
    const metrics = (await erasure.app.inject({ url: '/metrics' })).body;
    const answers = (participant: string, outcome: string) =>
      Number(
        new RegExp(
          `^lethe_erasure_task_seconds_count\\{[^}]*participant="${participant}",outcome="${outcome}"[^}]*\\} (\\d+)$`,
          'm',
        ).exec(metrics)?.[1] ?? 0,
      );
    expect([
      answers('prompt', 'completed'),
      answers('flaky', 'failed'),
      answers('flaky', 'completed'),
    ]).toEqual([1, 2, 1]);
    expect(metrics).not.toContain('sub_timeout');
  });

  async function requestGauges(): Promise<Record<string, number>> {
    const metrics = (await erasure.app.inject({ url: '/metrics' })).body;
    return Object.fromEntries(
      [...metrics.matchAll(/^lethe_erasure_requests\{[^}]*state="(\w+)"[^}]*\} (\d+)$/gm)].map((m) => [
        m[1]!,
        Number(m[2]),
      ]),
    );
  }
});
