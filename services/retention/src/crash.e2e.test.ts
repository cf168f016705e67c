import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import type { Redis } from 'ioredis';

import { isEventOfType, makeEvent } from '@lethe/events';
import { generateSigningKeys } from '@lethe/service-kit';
import {
  DAY_MS,
  eventually,
  freePort,
  killHard,
  openTestScope,
  readAllEvents,
  testRedis,
  type TestScope,
} from '@lethe/test-harness';

// kill -9 the retention service while expiries are due; start it again: every expiry fires, and
// each exactly once (one RetentionExpired and one ErasureRequested per subject, by event id).
// The whole system's clock is the shared offset in Redis, moved past the policy's 730 days.

const MAIN = path.resolve(__dirname, 'main.ts');
const SUBJECTS = 300;
const TOPICS = [
  'lethe.account.events.v1',
  'lethe.consent.events.v1',
  'lethe.retention.events.v1',
  'lethe.erasure.events.v1',
  // Where its retention-schedule participant registers (it answers access requests).
  'lethe.erasure.participants.v1',
];

describe('the retention service under kill -9 with expiries due', () => {
  let scope: TestScope;
  let offsetKey: string;
  let redis: Redis;
  let port: number;

  const startService = (): ChildProcess =>
    scope.spawn(MAIN, {
      LETHE_KEK: randomBytes(32).toString('base64'),
      LETHE_AUTH_PUBLIC_KEYS: generateSigningKeys().publicKey,
      LETHE_RETENTION_PORT: String(port),
      LETHE_CLOCK: 'shared-offset',
      LETHE_CLOCK_OFFSET_KEY: offsetKey,
    });
  const retentionEvents = () =>
    readAllEvents(scope.kafka, scope.codec, scope.topicName('lethe.retention.events.v1'));

  beforeAll(async () => {
    scope = await openTestScope('retcrash', { topics: TOPICS, partitions: 3 });
    offsetKey = `lethe:clock:offset-ms:${scope.prefix}`;
    redis = testRedis();
    port = await freePort();
  });
  afterAll(async () => {
    await redis.del(offsetKey);
    redis.disconnect();
    await scope.close();
  });

  it('fires every due expiry exactly once across a crash', async () => {
    const producer = scope.kafka.eventProducer(scope.codec, scope.topicName);
    const subjects = Array.from(
      { length: SUBJECTS },
      (_, i) => `sub_${scope.prefix.replace(/[^a-z0-9]/g, '')}_${i}`,
    );
    await producer.publish(
      subjects.map((subjectId) => ({
        event: makeEvent(
          'AccountCreated',
          { subjectId, correlationId: subjectId, producer: 'account', occurredAt: Date.now() },
          { email: randomBytes(16), name: randomBytes(16), phone: null, timezone: null, source: 'http' },
        ),
      })),
    );

    const child = startService();
    await eventually(
      async () =>
        (await retentionEvents()).filter((e) => isEventOfType(e, 'RetentionClockStarted')).length ===
          SUBJECTS || undefined,
      60_000,
      'a clock for every subject',
    );

    await redis.set(offsetKey, String(731 * DAY_MS)); // two years pass for the whole system
    await eventually(
      async () => (await retentionEvents()).some((e) => isEventOfType(e, 'RetentionExpired')) || undefined,
      30_000,
      'the first expiry',
    );
    await killHard(child);
    const beforeRestart = new Set(
      (await retentionEvents())
        .filter((e) => isEventOfType(e, 'RetentionExpired'))
        .map((e) => e.envelope.subjectId),
    ).size;

    startService(); // scope.close() kills it
    const expired = await eventually(
      async () => {
        const found = (await retentionEvents()).filter((e) => isEventOfType(e, 'RetentionExpired'));
        return new Set(found.map((e) => e.envelope.subjectId)).size === SUBJECTS ? found : undefined;
      },
      90_000,
      'every subject to expire',
    );
    // Exactly once: one event id per subject (the outbox may publish a record twice after a
    // crash, with the same event id, which consumers dedupe). The erasure service derives the
    // request id from that event id, so one event id is one erasure request.
    const idsBySubject = new Map<string, Set<string>>();
    for (const event of expired) {
      const ids = idsBySubject.get(event.envelope.subjectId!) ?? new Set();
      ids.add(event.envelope.eventId);
      idsBySubject.set(event.envelope.subjectId!, ids);
    }
    expect(idsBySubject.size).toBe(SUBJECTS);
    expect([...idsBySubject.values()].every((ids) => ids.size === 1)).toBe(true);
    // Say how much the crash interrupted (the assertion above holds either way).
    expect(beforeRestart).toBeGreaterThan(0);
    console.log(
      `retention crash test: ${beforeRestart} of ${SUBJECTS} subjects had expired when it was killed`,
    );
  }, 240_000);
});
