import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import type { Participant } from '@lethe/participant';
import {
  eventually,
  freePort,
  killHard,
  openTestScope,
  readyStatus,
  serviceUrl,
  testServiceFetch,
  type TestScope,
} from '@lethe/test-harness';

import {
  completionsOf,
  ERASURE_TOPICS,
  erasedResult,
  operatorKeys,
  testParticipant,
} from '../test/erasure-fixture';

// kill -9 the erasure service while a request is fanned out, start it again: the request
// completes, and exactly one ErasureCompleted is on the log.

const MAIN = path.resolve(__dirname, 'main.ts');
const { publicKey, operator } = operatorKeys();

describe('the erasure service under kill -9', () => {
  let scope: TestScope;
  let port: number;
  let participant: Participant | undefined;
  const kek = randomBytes(32).toString('base64');

  const startService = (): ChildProcess =>
    scope.spawn(MAIN, {
      LETHE_KEK: kek,
      LETHE_AUTH_PUBLIC_KEYS: publicKey,
      LETHE_ERASURE_PORT: String(port),
    });
  const ready = () =>
    eventually(
      async () => ((await readyStatus(port)) === 200 ? true : undefined),
      60_000,
      'the erasure service to be ready',
    );

  beforeAll(async () => {
    scope = await openTestScope('crash', { topics: ERASURE_TOPICS });
    port = await freePort();
  });
  afterAll(async () => {
    await participant?.stop();
    await scope.close();
  });

  it('completes the request once after a crash in the middle of the fan-out', async () => {
    // A participant that holds its task until the test lets it go.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let taken = 0;
    participant = await testParticipant(
      scope,
      'slow-store',
      async () => {
        taken += 1;
        await released;
        return erasedResult('test:slow-store');
      },
      { timeoutMs: 60_000 },
    );

    const child = startService();
    await ready();
    // The directory must know every participant (slow-store, and the service's key-vault, llm-providers and access-exports).
    await eventually(
      async () => {
        const response = await testServiceFetch()(serviceUrl(port, `/v1/participants`), {
          headers: operator,
        });
        const body = (await response.json()) as { participants: unknown[] };
        return body.participants.length === 4 ? true : undefined;
      },
      30_000,
      'four participants',
    );

    const response = await testServiceFetch()(serviceUrl(port, `/v1/erasure-requests`), {
      method: 'POST',
      headers: { ...operator, 'content-type': 'application/json' },
      body: JSON.stringify({ subjectId: 'sub_crash', reason: 'dsar', regulation: 'GDPR' }),
    });
    expect(response.status).toBe(202);
    const { requestId } = (await response.json()) as { requestId: string };

    await eventually(async () => (taken > 0 ? true : undefined), 30_000, 'the task to reach the participant');
    await killHard(child);
    release(); // the answer lands on the log while the service is down

    startService(); // scope.close() kills it
    await ready();
    const status = await eventually(
      async () => {
        const answer = await testServiceFetch()(serviceUrl(port, `/v1/erasure-requests/${requestId}`), {
          headers: operator,
        });
        const body = (await answer.json()) as { status?: string; result?: string };
        return body.status === 'completed' ? body : undefined;
      },
      60_000,
      'the request to complete after the restart',
    );
    expect(status.result).toBe('complete');

    // Exactly one completion on the log.
    expect(await completionsOf(scope, requestId)).toBe(1);
  }, 180_000);
});
