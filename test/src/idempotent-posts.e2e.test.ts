import { randomBytes } from 'node:crypto';

import { isEventOfType } from '@lethe/events';

import { readAllEvents } from './events';
import { eventually } from './isolation';
import { startWorld, type World } from './world';

// A client that retries a POST (its first answer lost) sends the same Idempotency-Key: it gets
// the first answer again and nothing is created twice; the key with another body is refused.

describe('creating requests retried with an Idempotency-Key', () => {
  let world: World;
  const keyed = (headers: Record<string, string>) => ({
    ...headers,
    'idempotency-key': `retry-${randomBytes(8).toString('hex')}`,
  });

  beforeAll(async () => {
    world = await startWorld({ name: 'idempotent' });
  });
  afterAll(async () => world?.stop());

  it('erasure requests: one request, the first answer twice, 422 for another body', async () => {
    const { erasure, operator } = world;
    const subjectId = await world.openAccount('idem-erasure');
    const headers = keyed(operator);
    const payload = { subjectId, reason: 'dsar', regulation: 'GDPR' };
    const post = (body: object) =>
      erasure.app.inject({ method: 'POST', url: '/v1/erasure-requests', headers, payload: body });
    const [first, second] = [await post(payload), await post(payload)];
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const { requestId } = first.json<{ requestId: string }>();
    expect(second.json()).toEqual({ requestId });
    expect((await post({ ...payload, regulation: 'CCPA' })).statusCode).toBe(422);

    // The 202 means stored; the outbox puts it on the log a moment later (with any duplicate).
    const requested = await eventually(
      async () => {
        const found = (
          await readAllEvents(world.kafka, world.codec, world.topicName('lethe.erasure.events.v1'))
        ).filter((e) => isEventOfType(e, 'ErasureRequested') && e.envelope.subjectId === subjectId);
        return found.length > 0 ? found : undefined;
      },
      20_000,
      'the ErasureRequested on the log',
    );
    expect(requested.map((e) => (e.data as { requestId: string }).requestId)).toEqual([requestId]);
  }, 60_000);

  it('legal holds: one hold on the retention log, whatever the retries', async () => {
    const { retention, operator } = world;
    const subjectId = await world.openAccount('idem-hold');
    await world.consumedUpTo('lethe.retention', 'lethe.account.events.v1');
    const headers = keyed(operator);
    const payload = { subjectId, reference: 'case-42', reason: 'litigation' };
    const post = () => retention.app.inject({ method: 'POST', url: '/v1/legal-holds', headers, payload });
    const [first, second] = [await post(), await post()];
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    const { holdId } = first.json<{ holdId: string }>();
    expect(second.json()).toEqual({ holdId });

    const placed = (
      await readAllEvents(world.kafka, world.codec, world.topicName('lethe.retention.events.v1'))
    ).filter((e) => isEventOfType(e, 'LegalHoldPlaced') && e.envelope.subjectId === subjectId);
    expect(placed).toHaveLength(1);
  }, 60_000);

  it('LLM disclosures: recorded once', async () => {
    const { erasure, service } = world;
    const subjectId = await world.openAccount('idem-llm');
    const headers = keyed(service);
    const payload = { subjectId, provider: 'openai', model: 'gpt-x', purpose: 'scheduling' };
    const post = () => erasure.app.inject({ method: 'POST', url: '/v1/llm-disclosures', headers, payload });
    expect((await post()).statusCode).toBe(201);
    expect((await post()).statusCode).toBe(201);
    expect(await world.db.collection('llm_disclosures').countDocuments({ subjectId })).toBe(1);
  }, 60_000);
});
