import { generateSigningKeys } from '@lethe/service-kit';
import { bearer, eventually, openTestScope, type TestScope } from '@lethe/test-harness';

import {
  completedRequest,
  ERASURE_TOPICS,
  erasedResult,
  startTestErasure,
  testParticipant,
} from '../test/erasure-fixture';
import type { Participant } from '@lethe/participant';
import type { ErasureService } from './service';

// A data subject follows its own erasure request (the user's dashboard): its own is shown with
// each store's progress and the certificate; another subject's is "not found", exactly as an id
// that does not exist, so a subject token learns nothing about other subjects.

const keys = generateSigningKeys();
const operator = bearer(keys.privateKey, ['operator']);
const subject = (subjectId: string) => bearer(keys.privateKey, ['subject'], subjectId);

describe("a subject's own erasure request", () => {
  let scope: TestScope;
  let erasure: ErasureService;
  let participant: Participant;

  beforeAll(async () => {
    scope = await openTestScope('subject-view', { topics: ERASURE_TOPICS });
    participant = await testParticipant(scope, 'notes', async () => erasedResult('test:notes'));
    erasure = await startTestErasure(scope, keys.publicKey);
    await eventually(
      async () => (erasure.directory.list().length === 4 ? true : undefined),
      30_000,
      'four participants',
    );
  });

  afterAll(async () => {
    await erasure.stop();
    await participant.stop();
    await scope.close();
  });

  it('is shown to that subject, and is not found for another', async () => {
    const created = await erasure.app.inject({
      method: 'POST',
      url: '/v1/erasure-requests',
      headers: operator,
      payload: { subjectId: 'sub_viewer', reason: 'dsar' },
    });
    const { requestId } = created.json<{ requestId: string }>();
    await completedRequest(erasure.app, requestId, operator);

    const own = await erasure.app.inject({
      url: `/v1/erasure-requests/${requestId}`,
      headers: subject('sub_viewer'),
    });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ requestId, subjectId: 'sub_viewer', status: 'completed' });
    expect(own.json<{ certificate: unknown }>().certificate).toBeDefined();

    const other = await erasure.app.inject({
      url: `/v1/erasure-requests/${requestId}`,
      headers: subject('sub_other'),
    });
    const unknown = await erasure.app.inject({
      url: '/v1/erasure-requests/req_unknown',
      headers: subject('sub_other'),
    });
    expect([other.statusCode, other.json<{ code: string }>().code]).toEqual([
      404,
      'ERASURE_REQUEST_NOT_FOUND',
    ]);
    expect(other.body).toBe(unknown.body.replace(/req_unknown/g, requestId));
  });
});
