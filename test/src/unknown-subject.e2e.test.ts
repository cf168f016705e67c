import { eventually } from './isolation';
import { startWorld, type World } from './world';

// Policy, issue 12 point 7: an erasure asked for a subject no service has ever seen completes,
// and its certificate says nothing was found (`subjectKnown: false`) instead of an unqualified
// "complete" that reads as if something had been erased.

interface CompletedView {
  status: string;
  result: string;
  subjectKnown: boolean;
  certificate: { json: string };
}

describe('an erasure of a subject nobody has seen', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ name: 'unknown-subject' });
  });
  afterAll(async () => world?.stop());

  const completed = (requestId: string) =>
    eventually(
      async () => {
        const answer = await world.erasure.app.inject({
          url: `/v1/erasure-requests/${requestId}`,
          headers: world.operator,
        });
        const body = answer.json<CompletedView>();
        return body.status === 'completed' ? body : undefined;
      },
      60_000,
      `request ${requestId} to complete`,
    );

  it('completes with a certificate that says the subject was not known; a known one says it was', async () => {
    const asked = await world.erasure.app.inject({
      method: 'POST',
      url: '/v1/erasure-requests',
      headers: { ...world.operator, 'content-type': 'application/json' },
      payload: { subjectId: 'sub_never_seen_anywhere', reason: 'dsar', regulation: 'GDPR' },
    });
    expect(asked.statusCode).toBe(202);
    const unknown = await completed(asked.json<{ requestId: string }>().requestId);
    expect(unknown).toMatchObject({ result: 'complete', subjectKnown: false });
    expect(JSON.parse(unknown.certificate.json)).toMatchObject({ result: 'complete', subjectKnown: false });

    const subjectId = await world.openAccount('known');
    const deleted = await world.accounts.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${subjectId}`,
      headers: world.operator,
    });
    const known = await completed(deleted.json<{ requestId: string }>().requestId);
    expect(known).toMatchObject({ result: 'complete', subjectKnown: true });
    expect(JSON.parse(known.certificate.json)).toMatchObject({ subjectKnown: true });
  }, 120_000);
});
