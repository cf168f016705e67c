import { isEventOfType } from '@lethe/events';
import type { Participant } from '@lethe/participant';
import { generateSigningKeys } from '@lethe/service-kit';
import { bearer, eventually, openTestScope, readAllEvents, type TestScope } from '@lethe/test-harness';

import {
  completedRequest,
  ERASURE_TOPICS,
  erasedResult,
  startTestErasure,
  testParticipant,
} from '../test/erasure-fixture';
import type { ErasureService } from './service';

// Issue 14 point 6: an operator retries a participant that failed while the request is still
// open (another participant holds it open), and finds the request among the completed ones.
// The retry is on the erasure log with who asked, and the request completes as complete.

const keys = generateSigningKeys();
const operator = bearer(keys.privateKey, ['operator']);
const service = bearer(keys.privateKey, ['service']);

describe("an operator's retry of a failed participant", () => {
  let scope: TestScope;
  let erasure: ErasureService;
  const participants: Participant[] = [];
  let refusals = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    scope = await openTestScope('retry', { topics: ERASURE_TOPICS });
    participants.push(
      // Fails for good the first time (a store put read-only); works once it is writable again.
      await testParticipant(scope, 'readonly', async () => {
        refusals += 1;
        if (refusals === 1)
          throw Object.assign(new Error('store is read-only'), { code: 'STORE_READ_ONLY', retriable: false });
        return erasedResult('test:readonly');
      }),
      // Holds the request open until the test lets it answer.
      await testParticipant(
        scope,
        'slow',
        async () => {
          await released;
          return erasedResult('test:slow');
        },
        { timeoutMs: 60_000 },
      ),
    );
    erasure = await startTestErasure(scope, keys.publicKey);
    await eventually(
      async () => (erasure.directory.list().length === 5 ? true : undefined),
      30_000,
      'five participants',
    );
  });

  afterAll(async () => {
    release();
    await erasure.stop();
    await Promise.all(participants.map((p) => p.stop()));
    await scope.close();
  });

  const retry = (requestId: string, participantId: string, headers = operator) =>
    erasure.app.inject({
      method: 'POST',
      url: `/v1/erasure-requests/${requestId}/retries`,
      headers,
      payload: { participantId },
    });

  it('issues the failed task again now, on the record, and the request completes as complete', async () => {
    const created = await erasure.app.inject({
      method: 'POST',
      url: '/v1/erasure-requests',
      headers: operator,
      payload: { subjectId: 'sub_retry', reason: 'dsar', regulation: 'GDPR' },
    });
    const { requestId } = created.json<{ requestId: string }>();
    const taskStatus = async (participantId: string) =>
      (await erasure.app.inject({ url: `/v1/erasure-requests/${requestId}`, headers: operator }))
        .json<{ tasks?: { participantId: string; status: string }[] }>()
        .tasks?.find((t) => t.participantId === participantId)?.status;
    await eventually(
      async () => ((await taskStatus('readonly')) === 'failed' ? true : undefined),
      30_000,
      'the read-only participant to fail',
    );
    expect(await taskStatus('slow')).toBe('issued');

    // Only an operator retries; only a failed (or backing-off) task; only a participant of it.
    expect((await retry(requestId, 'readonly', service)).statusCode).toBe(403);
    const busy = await retry(requestId, 'slow');
    expect([busy.statusCode, busy.json<{ code: string }>().code]).toEqual([
      409,
      'ERASURE_TASK_NOT_RETRIABLE',
    ]);
    expect((await retry(requestId, 'nobody')).statusCode).toBe(404);
    expect((await retry('req_00000000000000000000000000000000', 'readonly')).statusCode).toBe(404);

    const retried = await retry(requestId, 'readonly');
    expect([retried.statusCode, retried.json()]).toEqual([
      202,
      { requestId, participantId: 'readonly', attempt: 2 },
    ]);
    await eventually(
      async () => ((await taskStatus('readonly')) === 'done' ? true : undefined),
      30_000,
      'the retried task to succeed',
    );
    release();
    const status = await completedRequest(erasure.app, requestId, operator);
    expect(status.result).toBe('complete');
    expect(refusals).toBe(2);

    // On the log: who retried, after which attempt, then the second attempt.
    const onLog = (
      await readAllEvents(scope.kafka, scope.codec, scope.topicName('lethe.erasure.events.v1'))
    ).filter((event) => (event.data as { participantId?: string }).participantId === 'readonly');
    expect(onLog.map((e) => e.envelope.type)).toEqual([
      'ErasureTaskIssued',
      'ErasureTaskFailed',
      'ErasureTaskRetried',
      'ErasureTaskIssued',
      'ErasureTaskCompleted',
    ]);
    const record = onLog.find((e) => isEventOfType(e, 'ErasureTaskRetried'));
    expect(record?.data).toEqual({
      requestId,
      participantId: 'readonly',
      previousAttempt: 1,
      retriedBy: 'test',
    });

    // Among the completed requests, with its result and whether it was late.
    const completed = (
      await erasure.app.inject({ url: '/v1/erasure-requests?state=completed&limit=50', headers: operator })
    ).json<{ requests: { requestId: string; result: string; late: boolean; regulation: string }[] }>();
    expect(completed.requests.find((r) => r.requestId === requestId)).toMatchObject({
      result: 'complete',
      late: false,
      regulation: 'GDPR',
    });
    const open = (await erasure.app.inject({ url: '/v1/erasure-requests', headers: operator })).json<{
      requests: { requestId: string }[];
    }>();
    expect(open.requests.map((r) => r.requestId)).not.toContain(requestId);
  });
});
