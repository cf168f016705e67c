import { startWorld, type World } from './world';

// A caller polls the erasure request it was just given: it must see it accepted or in
// progress, never "no such erasure request". When the erasure service has not yet read the
// account log that far within its wait (a loaded machine), it says so with a 503 and a
// Retry-After, and the caller asks again as told.

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
        const poll = () =>
          erasure.app.inject({ url: `/v1/erasure-requests/${requestId}`, headers: operator });
        let polled = await poll();
        const refusals: { code: string; retryAfter: unknown }[] = [];
        for (let attempt = 0; polled.statusCode === 503 && attempt < 30; attempt += 1) {
          refusals.push({
            code: polled.json<{ code: string }>().code,
            retryAfter: polled.headers['retry-after'],
          });
          await new Promise((resolve) => setTimeout(resolve, Number(polled.headers['retry-after']) * 1000));
          polled = await poll();
        }
        return {
          status: polled.statusCode,
          body: polled.json<{ requestId?: string; status?: string }>(),
          requestId,
          refusals,
        };
      }),
    );
    expect(statuses.filter((s) => s.status !== 200)).toEqual([]);
    for (const { refusals } of statuses)
      for (const refusal of refusals)
        expect(refusal).toEqual({ code: 'ERASURE_REQUEST_NOT_YET_KNOWN', retryAfter: '1' });
    for (const { body, requestId } of statuses) {
      expect(body.requestId).toBe(requestId);
      expect(['in-progress', 'completed']).toContain(body.status);
    }
    const unknown = await erasure.app.inject({
      url: '/v1/erasure-requests/req_00000000000000000000000000000000',
      headers: operator,
    });
    expect(unknown.statusCode).toBe(404);
  }, 180_000);
});
