import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { isEventOfType, makeEvent } from '@lethe/events';
import { loadPolicy, SEED_POLICY_FILE } from '@lethe/retention';

import { readAllEvents } from './events';
import { eventually } from './isolation';
import { startWorld, type World } from './world';

// Policy, issue 12 point 3: how long the LLM providers keep API data comes from the retention
// policy file, not from a constant. A policy that says 12 days dates the providers' copies 12
// days after the last disclosure, and when that date passes the erasure log says so. A
// disclosure without the subject's llm-processing consent is a violation on the access log.

const DAY_MS = 24 * 60 * 60 * 1000;

function policyWithProviderRetention(days: number) {
  const seed = JSON.parse(readFileSync(SEED_POLICY_FILE, 'utf8')) as {
    version: string;
    llmProviders: { retention: string };
  };
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lethe-policy-')), 'policy.json');
  writeFileSync(
    file,
    JSON.stringify({
      ...seed,
      version: `llm-${days}d`,
      llmProviders: { ...seed.llmProviders, retention: `${days}d` },
    }),
  );
  return loadPolicy(file);
}

describe("the LLM providers' retention", () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ name: 'llm-retention', policy: policyWithProviderRetention(12) });
  });
  afterAll(async () => world?.stop());

  it('is the policy file’s: an erasure dates the providers’ copies by it', async () => {
    // The erasure service learns it from the retention log (PolicyVersionActivated).
    await eventually(
      async () => ((await world.db.collection('erasure_policy').findOne({})) ? true : undefined),
      30_000,
      'the erasure service to learn the policy',
    );
    const subjectId = await world.openAccount('llm');
    const sentAt = new Date();
    const recorded = await world.erasure.app.inject({
      method: 'POST',
      url: '/v1/llm-disclosures',
      headers: world.service,
      payload: {
        subjectId,
        provider: 'anthropic',
        model: 'claude',
        purpose: 'scheduling',
        sentAt: sentAt.toISOString(),
      },
    });
    expect(recorded.statusCode).toBe(201);
    const deleted = await world.accounts.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${subjectId}`,
      headers: world.operator,
    });
    const { requestId } = deleted.json<{ requestId: string }>();
    const outcome = await eventually(
      async () => {
        const answer = await world.erasure.app.inject({
          url: `/v1/erasure-requests/${requestId}`,
          headers: world.operator,
        });
        const body = answer.json<{
          status: string;
          outcomes?: { participantId: string; outcome: string; retainedUntil: number | null }[];
        }>();
        return body.status === 'completed'
          ? body.outcomes?.find((o) => o.participantId === 'llm-providers')
          : undefined;
      },
      60_000,
      'the erasure to complete',
    );
    expect(outcome).toMatchObject({
      outcome: 'provider-retention',
      retainedUntil: sentAt.getTime() + 12 * DAY_MS,
    });
    const view = async () =>
      (
        await world.erasure.app.inject({ url: `/v1/erasure-requests/${requestId}`, headers: world.operator })
      ).json<{ providerRetention: { participantId: string; retainedUntil: string; elapsed: boolean }[] }>();
    expect((await view()).providerRetention).toEqual([
      {
        participantId: 'llm-providers',
        retainedUntil: new Date(sentAt.getTime() + 12 * DAY_MS).toISOString(),
        elapsed: false,
      },
    ]);

    // Twelve days on, the providers' copies are past their retention: said once, on the log.
    world.clock.advance(sentAt.getTime() + 12 * DAY_MS - world.clock.now().getTime() + 60_000);
    const elapsed = await eventually(
      async () => {
        const found = (
          await readAllEvents(world.kafka, world.codec, world.topicName('lethe.erasure.events.v1'))
        )
          .filter((e) => isEventOfType(e, 'ProviderRetentionElapsed'))
          .filter((e) => e.envelope.subjectId === subjectId);
        return found.length > 0 ? found : undefined;
      },
      30_000,
      'ProviderRetentionElapsed',
    );
    expect(elapsed.map((e) => e.data)).toEqual([
      { requestId, participantId: 'llm-providers', retainedUntil: sentAt.getTime() + 12 * DAY_MS },
    ]);
    await eventually(
      async () => ((await view()).providerRetention[0]?.elapsed ? true : undefined),
      10_000,
      'GET to show it',
    );
  }, 120_000);

  it('records a disclosure without the LLM consent, and puts the violation on the access log', async () => {
    const without = await world.openAccount('nollm');
    const withConsent = await world.openAccount('yesllm');
    // The consent service's event, as it writes it when the subject says yes.
    await world.kafka.eventProducer(world.codec).publish([
      {
        topic: world.topicName('lethe.consent.events.v1'),
        event: makeEvent(
          'ConsentGranted',
          {
            subjectId: withConsent,
            correlationId: 'consent-test',
            producer: 'consent',
            occurredAt: world.clock.now().getTime(),
          },
          {
            purpose: 'llm-processing',
            source: 'settings',
            policyVersion: '2026-11-01',
            textHash: 'sha256:00',
            gpc: false,
          },
        ),
      },
    ]);
    const disclose = (subjectId: string) =>
      world.erasure.app.inject({
        method: 'POST',
        url: '/v1/llm-disclosures',
        headers: { ...world.service, 'idempotency-key': `disclosure-${subjectId}` },
        payload: { subjectId, provider: 'openai', model: 'gpt', purpose: 'summarise meetings' },
      });
    const refusedConsent = await disclose(without);
    expect(refusedConsent.statusCode).toBe(201);
    expect(refusedConsent.json()).toEqual({ recorded: true, consentGranted: false });
    expect((await disclose(without)).json()).toEqual({ recorded: true, consentGranted: false }); // a retry
    const granted = await disclose(withConsent);
    expect(granted.json()).toEqual({ recorded: true, consentGranted: true });

    const violations = (
      await readAllEvents(world.kafka, world.codec, world.topicName('lethe.access.events.v1'))
    ).filter(
      (e) =>
        isEventOfType(e, 'LlmDisclosedWithoutConsent') &&
        [without, withConsent].includes(e.envelope.subjectId ?? ''),
    );
    expect(violations.map((e) => [e.envelope.subjectId, e.data])).toEqual([
      [
        without,
        expect.objectContaining({
          provider: 'openai',
          consentPurpose: 'llm-processing',
          reportedBy: expect.any(String),
        }),
      ],
    ]);
    // Never the model or the purpose text: they are sealed in the store and absent here.
    expect(JSON.stringify(violations)).not.toMatch(/gpt|summarise/);
  });
});
