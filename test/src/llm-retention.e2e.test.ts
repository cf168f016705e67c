import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { loadPolicy, SEED_POLICY_FILE } from '@lethe/retention';

import { eventually } from './isolation';
import { startWorld, type World } from './world';

// Policy, issue 12 point 3: how long the LLM providers keep API data comes from the retention
// policy file, not from a constant. A policy that says 12 days dates the providers' copies 12
// days after the last disclosure.

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
  }, 120_000);
});
