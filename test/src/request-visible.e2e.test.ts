import { startWorld, type World } from './world';

// A caller polls the erasure request it was just given: it must see it accepted or in
// progress, never "no such erasure request".

const SUBJECTS = 40;

describe('an erasure request id just returned by DELETE', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ name: 'visible' });
  });
  afterAll(async () => world?.stop());

  it('is found at once by GET /v1/erasure-requests/:id, and an unknown id is still 404', async () => {
    const { accounts, erasure, operator } = world;
    const subjects = await Promise.all(
      Array.from({ length: SUBJECTS }, (_, i) => world.openAccount(`visible${i}`)),
    );
    const statuses = await Promise.all(
      subjects.map(async (subjectId) => {
        const deleted = await accounts.app.inject({
          method: 'DELETE',
          url: `/v1/accounts/${subjectId}`,
          headers: operator,
        });
        const { requestId } = deleted.json<{ requestId: string }>();
        // At once: no wait between the answer and the first poll.
        const polled = await erasure.app.inject({
          url: `/v1/erasure-requests/${requestId}`,
          headers: operator,
        });
        return {
          status: polled.statusCode,
          body: polled.json<{ requestId?: string; status?: string }>(),
          requestId,
        };
      }),
    );
    expect(statuses.filter((s) => s.status !== 200)).toEqual([]);
    for (const { body, requestId } of statuses) {
      expect(body.requestId).toBe(requestId);
      expect(['in-progress', 'completed']).toContain(body.status);
    }
    const unknown = await erasure.app.inject({
      url: '/v1/erasure-requests/req_00000000000000000000000000000000',
      headers: operator,
    });
    expect(unknown.statusCode).toBe(404);
  }, 120_000);
});
