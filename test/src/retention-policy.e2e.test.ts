import { createHash, randomBytes } from 'node:crypto';

import type { KafkaAdmin, KafkaClient } from '@lethe/kafka';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';

import { startAuditService, type AuditService } from '@lethe/audit';
import { AUDITED_TOPICS, LEDGER_TOPIC, verifyLedger } from '@lethe/audit-ledger';
import {
  ACCOUNT_EVENTS_TOPIC,
  ACCOUNT_PARTICIPANT,
  CACHE_PARTICIPANT,
  createAccountService,
  type AccountService,
} from '@lethe/account';
import { CONSENT_PARTICIPANT, createConsentService, loadPurposes, type ConsentService } from '@lethe/consent';
import { createFieldCipher, createKeyVault, createKeyVaultReader, localKek } from '@lethe/crypto';
import { startErasureService, type ErasureService } from '@lethe/erasure';
import {
  createEventCodec,
  createSchemaRegistry,
  isEventOfType,
  loadCatalog,
  type EventCodec,
  type LetheEvent,
} from '@lethe/events';
import { createOutboxRelay, type OutboxRelay } from '@lethe/eventstore';
import { joinErasureProtocol, type Participant } from '@lethe/participant';
import { loadPolicy, startRetentionService, type RetentionService } from '@lethe/retention';
import { generateSigningKeys, privateKeyFrom, publicKeyFrom, topicNamer } from '@lethe/service-kit';
import {
  bearer,
  createPrefixedTopics,
  DAY_MS,
  eventually,
  manualClock,
  readAllEvents,
  testDatabase,
  testKafka,
  testLogger,
  testRedis,
  testServers,
  uniqueName,
} from './index';
import { participantBasics, testTaskKeys } from './task-keys';

// The policy's clocks end to end, on one controllable clock shared by every service: consent
// withdrawn -> marketing contact erased after the delay; an inactive account -> notice -> erased;
// activity resets the clock; legal holds block an erasure until the last one is released.

const keys = generateSigningKeys();
const ledgerKeys = generateSigningKeys();
const operator = bearer(keys.privateKey, ['operator']);
const proof = {
  source: 'preferences-page',
  policyVersion: '2026-11-01',
  textHash: `sha256:${createHash('sha256').update('Marketing email').digest('hex')}`,
};

describe('retention and consent drive erasure on a controllable clock', () => {
  const topicName = topicNamer(uniqueName('ret'));
  const clock = manualClock(new Date('2026-11-27T09:00:00Z'));
  const kek = localKek(randomBytes(32).toString('base64'));
  let db: Db;
  let drop: () => Promise<void>;
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let codec: EventCodec;
  let redis: Redis;
  let accounts: AccountService;
  let consent: ConsentService;
  let erasure: ErasureService;
  let retention: RetentionService;
  let audit: AuditService;
  const relays: OutboxRelay[] = [];
  const participants: Participant[] = [];

  beforeAll(async () => {
    ({ db, drop } = await testDatabase('retention'));
    kafka = await testKafka();
    admin = kafka.admin;
    // Every audited topic (the workload's own, ingest and participants), and the ledger.
    await createPrefixedTopics(
      admin,
      topicName,
      [...AUDITED_TOPICS.filter((t) => t !== 'lethe.erasure.participants.v1'), 'lethe.erasure.answers.v1'],
      3,
    );
    await createPrefixedTopics(admin, topicName, ['lethe.erasure.participants.v1', LEDGER_TOPIC]);
    codec = createEventCodec({
      registry: createSchemaRegistry(testServers().registryUrl, {
        caFile: testServers().security.LETHE_TLS_CA_FILE,
      }),
      catalog: loadCatalog(),
    });
    redis = testRedis();
    const common = {
      db,
      redis,
      codec,
      kek,
      logger: testLogger(),
      publicKeys: [publicKeyFrom(keys.publicKey)],
    };
    accounts = await createAccountService({
      ...common,
      now: clock.now,
      topic: topicName(ACCOUNT_EVENTS_TOPIC),
    });
    consent = await createConsentService({
      ...common,
      purposes: loadPurposes(),
      clock,
      topic: topicName('lethe.consent.events.v1'),
    });
    for (const store of [accounts.streams, consent.streams]) {
      const relay = createOutboxRelay({ store, send: kafka.send, logger: testLogger() });
      relay.start(100);
      relays.push(relay);
    }
    for (const participant of [
      { declaration: ACCOUNT_PARTICIPANT, erase: accounts.erase },
      { declaration: CACHE_PARTICIPANT, eraseMany: accounts.eraseCache },
      { declaration: CONSENT_PARTICIPANT, erase: consent.erase },
    ])
      participants.push(
        await joinErasureProtocol({ ...participantBasics({ kafka, codec, topicName }), ...participant }),
      );
    erasure = await startErasureService({
      taskSigningKey: testTaskKeys().signingKey,
      ...common,
      kafka,
      topicName,
      now: clock.now,
    });
    retention = await startRetentionService({ ...common, kafka, topicName, clock, policy: loadPolicy() });
    audit = await startAuditService({
      ...common,
      kafka,
      topicName,
      signingKey: privateKeyFrom(ledgerKeys.privateKey),
      checkpointEvery: 20,
    });
    await eventually(
      async () => (erasure.directory.list().length === 6 ? true : undefined),
      30_000,
      'six participants',
    );
  });

  afterAll(async () => {
    await audit.stop();
    await retention.stop();
    await erasure.stop();
    await Promise.all(participants.map((p) => p.stop()));
    await Promise.all(relays.map((r) => r.stop()));
    await accounts.app.close();
    await consent.app.close();
    redis.disconnect();
    await kafka.close();
    await drop();
  });

  const openAccount = async (name: string) => {
    const response = await accounts.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: operator,
      payload: { email: `${name}@example.com`, name },
    });
    return response.json<{ subjectId: string }>().subjectId;
  };
  const retentionOf = async (subjectId: string) => {
    const response = await retention.app.inject({
      url: `/v1/subjects/${subjectId}/retention`,
      headers: operator,
    });
    return response.statusCode === 200
      ? response.json<{
          clocks: { clock: string; expiresAt: string; noticed: boolean }[];
          erasureBlocked: boolean;
        }>()
      : undefined;
  };
  const hasClock = (
    subjectId: string,
    clockId: string,
    check: (c: { expiresAt: string }) => boolean = () => true,
  ) =>
    eventually(
      async () =>
        (await retentionOf(subjectId))?.clocks.some((c) => c.clock === clockId && check(c))
          ? true
          : undefined,
      20_000,
      `${clockId} running for ${subjectId}`,
    );
  const eventsOf = async (logical: string, subjectId: string): Promise<LetheEvent[]> =>
    (await readAllEvents(kafka, codec, topicName(logical))).filter((e) => e.envelope.subjectId === subjectId);
  const completion = (subjectId: string) =>
    eventually(
      async () =>
        (await eventsOf('lethe.erasure.events.v1', subjectId)).find((e) =>
          isEventOfType(e, 'ErasureCompleted'),
        ),
      30_000,
      `ErasureCompleted for ${subjectId}`,
    );
  /** Moves time on and lets the retention sweeper see it. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await retention.sweep();
  };
  const accountStatus = async (subjectId: string) =>
    (await accounts.app.inject({ url: `/v1/accounts/${subjectId}`, headers: operator })).statusCode;

  it('erases the marketing contact data after consent is withdrawn, and nothing else', async () => {
    const subjectId = await openAccount('mara');
    const put = (granted: boolean, extra: object = {}) =>
      consent.app.inject({
        method: 'PUT',
        url: `/v1/subjects/${subjectId}/consents/marketing-email`,
        headers: operator,
        payload: { granted, ...proof, ...extra },
      });
    expect((await put(true, { contact: { address: 'mara.news@example.com' } })).statusCode).toBe(200);
    expect((await put(false)).statusCode).toBe(200);
    await hasClock(subjectId, 'marketing-contact');

    await advance(DAY_MS); // within the policy's two days: nothing yet
    expect(await consent.contacts.read(subjectId)).toHaveLength(1);
    await advance(DAY_MS + 60_000);

    const completed = await completion(subjectId);
    if (!isEventOfType(completed, 'ErasureCompleted')) throw new Error('unreachable');
    expect(completed.data.result).toBe('complete');
    expect(completed.data.outcomes.map((o) => [o.participantId, o.outcome])).toEqual([['consent', 'erased']]);
    expect(JSON.parse(completed.data.certificate.json)).toMatchObject({
      reason: 'consent-withdrawn',
      scope: { all: false, categories: ['marketing-contact'] },
    });
    expect(await consent.contacts.read(subjectId)).toEqual([]);
    expect(await accountStatus(subjectId)).toBe(200); // the account and its own email stay
    const onRetention = await eventsOf('lethe.retention.events.v1', subjectId);
    expect(onRetention.filter((e) => isEventOfType(e, 'RetentionExpired'))).toHaveLength(1);
    const requested = (await eventsOf('lethe.erasure.events.v1', subjectId)).filter((e) =>
      isEventOfType(e, 'ErasureRequested'),
    );
    expect(requested).toHaveLength(1); // written once, by the erasure service alone
  });

  it('gives an inactive account notice, then erases it; activity before the deadline resets the clock', async () => {
    const idle = await openAccount('ida');
    const busy = await openAccount('bo');
    await hasClock(idle, 'account-inactivity');
    await hasClock(busy, 'account-inactivity');

    await advance(400 * DAY_MS);
    const activity = await accounts.app.inject({
      method: 'POST',
      url: `/v1/accounts/${busy}/activity`,
      headers: operator,
    });
    expect(activity.statusCode).toBe(204);
    const resetTo = new Date(clock.now().getTime() + 730 * DAY_MS).toISOString().slice(0, 10);
    await hasClock(busy, 'account-inactivity', (c) => c.expiresAt.startsWith(resetTo));

    await advance(301 * DAY_MS); // day 701: inside the 30-day notice window for `idle` only
    await eventually(
      async () =>
        (await eventsOf('lethe.retention.events.v1', idle)).some((e) =>
          isEventOfType(e, 'RetentionExpiryNoticed'),
        ) || undefined,
      20_000,
      'the notice',
    );
    expect(await accountStatus(idle)).toBe(200);

    await advance(30 * DAY_MS); // day 731: expired
    const completed = await completion(idle);
    if (!isEventOfType(completed, 'ErasureCompleted')) throw new Error('unreachable');
    expect(completed.data.result).toBe('complete');
    expect(JSON.parse(completed.data.certificate.json)).toMatchObject({
      reason: 'retention-expired',
      scope: { all: true },
    });
    expect(await accountStatus(idle)).toBe(404);
    expect(await accountStatus(busy)).toBe(200);
    expect(
      (await eventsOf('lethe.retention.events.v1', busy)).some((e) =>
        isEventOfType(e, 'RetentionExpiryNoticed'),
      ),
    ).toBe(false);
  });

  it('blocks an erasure under legal holds until the last is released', async () => {
    const subjectId = await openAccount('hal');
    await hasClock(subjectId, 'account-inactivity');
    const place = async (reference: string) => {
      const response = await retention.app.inject({
        method: 'POST',
        url: '/v1/legal-holds',
        headers: operator,
        payload: { subjectId, reference, reason: 'litigation' },
      });
      expect(response.statusCode).toBe(201);
      return response.json<{ holdId: string }>().holdId;
    };
    const [first, second] = [await place('case-1'), await place('case-2')];
    // The reference and the reason are for operators' eyes, and sealed everywhere they are kept.
    const view = await retention.app.inject({
      url: `/v1/subjects/${subjectId}/retention`,
      headers: operator,
    });
    expect(view.json().holds).toEqual([
      expect.objectContaining({ holdId: first, reference: 'case-1', reason: 'litigation' }),
      expect.objectContaining({ holdId: second, reference: 'case-2', reason: 'litigation' }),
    ]);
    const placed = (await eventsOf('lethe.retention.events.v1', subjectId)).filter((e) =>
      isEventOfType(e, 'LegalHoldPlaced'),
    );
    expect(placed).toHaveLength(2);
    expect(placed.map((e) => e.data)).toEqual([
      expect.objectContaining({ reference: null, reason: null, sealedReference: expect.any(Buffer) }),
      expect.objectContaining({ reference: null, reason: null, sealedReason: expect.any(Buffer) }),
    ]);
    const onRecord =
      JSON.stringify(placed) + JSON.stringify(await db.collection('retention_streams').find({}).toArray());
    expect(onRecord).not.toMatch(/case-1|litigation/);
    // No wait: a hold whose 201 came back before the deletion was asked for always meets it.
    const deleted = await accounts.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${subjectId}`,
      headers: operator,
    });
    const { requestId } = deleted.json<{ requestId: string }>();
    const blocked = await eventually(
      async () =>
        (await eventsOf('lethe.erasure.events.v1', subjectId)).find((e) =>
          isEventOfType(e, 'ErasureBlocked'),
        ),
      20_000,
      'ErasureBlocked',
    );
    expect(blocked.data).toEqual({ requestId, holdIds: [first, second] });

    const release = (holdId: string) =>
      retention.app.inject({ method: 'DELETE', url: `/v1/legal-holds/${holdId}`, headers: operator });
    const request = async () =>
      (await erasure.app.inject({ url: `/v1/erasure-requests/${requestId}`, headers: operator })).json<{
        status: string;
        blockedByHolds: string[];
      }>();
    expect(await request()).toMatchObject({ status: 'in-progress', blockedByHolds: [first, second] });
    expect((await release(first)).statusCode).toBe(204);
    await eventually(
      async () => ((await request()).blockedByHolds.length === 1 ? true : undefined),
      20_000,
      'the first release to reach the erasure service',
    );
    expect(await request()).toMatchObject({ status: 'in-progress', blockedByHolds: [second] });
    expect(
      (await eventsOf('lethe.erasure.events.v1', subjectId)).some((e) => isEventOfType(e, 'ErasurePlanned')),
    ).toBe(false);
    expect(await accountStatus(subjectId)).toBe(200);

    expect((await release(second)).statusCode).toBe(204);
    const completed = await completion(subjectId);
    if (!isEventOfType(completed, 'ErasureCompleted')) throw new Error('unreachable');
    expect(completed.data).toMatchObject({ requestId, result: 'complete' });
    expect(await accountStatus(subjectId)).toBe(404);
    // The erasure reached the hold's text on the log: its key is gone.
    const cipher = createFieldCipher({ vault: createKeyVault({ db, kek }) });
    const hold = placed[0]!;
    if (!isEventOfType(hold, 'LegalHoldPlaced')) throw new Error('unreachable');
    const address = {
      subjectId,
      context: 'lethe.retention.events.v1',
      recordId: hold.data.holdId,
      field: 'reason',
    };
    expect(await cipher.decrypt(address, hold.data.sealedReason!)).toEqual({ kind: 'erased' });
  });

  it("extends a held GDPR request's deadline by up to two months; the at-risk warning, the certificate and the verifier use it", async () => {
    const subjectId = await openAccount('exa');
    await hasClock(subjectId, 'account-inactivity');
    const placed = await retention.app.inject({
      method: 'POST',
      url: '/v1/legal-holds',
      headers: operator,
      payload: { subjectId, reference: 'case-x', reason: 'regulator inquiry' },
    });
    expect(placed.statusCode).toBe(201);
    const requested = await erasure.app.inject({
      method: 'POST',
      url: '/v1/erasure-requests',
      headers: operator,
      payload: { subjectId, reason: 'user-request', regulation: 'GDPR' },
    });
    const { requestId } = requested.json<{ requestId: string }>();
    await eventually(
      async () =>
        (await eventsOf('lethe.erasure.events.v1', subjectId)).some((e) =>
          isEventOfType(e, 'ErasureBlocked'),
        ) || undefined,
      20_000,
      'the request, blocked by the hold',
    );
    const view = async () =>
      (await erasure.app.inject({ url: `/v1/erasure-requests/${requestId}`, headers: operator })).json<{
        dueAt: string;
        deadlineAtRisk: boolean;
        deadlineExtensions: { from: string; to: string; reason: string }[];
      }>();
    const originalDue = Date.parse((await view()).dueAt);
    const twoMonthsOn = new Date(originalDue);
    twoMonthsOn.setUTCMonth(twoMonthsOn.getUTCMonth() + 2);
    const extend = (dueAt: Date, reason = 'complexity') =>
      erasure.app.inject({
        method: 'POST',
        url: `/v1/erasure-requests/${requestId}/deadline-extensions`,
        headers: operator,
        payload: { dueAt: dueAt.toISOString(), reason },
      });
    const tooFar = await extend(new Date(twoMonthsOn.getTime() + DAY_MS));
    expect(tooFar.statusCode).toBe(422);
    expect(tooFar.json()).toMatchObject({ code: 'ERASURE_EXTENSION_INVALID' });
    expect((await extend(twoMonthsOn, 'because I said so')).statusCode).toBe(400);
    const extended = await extend(twoMonthsOn);
    expect(extended.statusCode).toBe(201);
    expect(extended.json()).toMatchObject({ dueAt: twoMonthsOn.toISOString() });
    expect(await view()).toMatchObject({
      dueAt: twoMonthsOn.toISOString(),
      deadlineExtensions: [
        { from: new Date(originalDue).toISOString(), to: twoMonthsOn.toISOString(), reason: 'complexity' },
      ],
    });

    // Past the original deadline, and then within a week of the extended one: warned once, then.
    const warnings = async () =>
      (await eventsOf('lethe.erasure.events.v1', subjectId)).filter((e) =>
        isEventOfType(e, 'ErasureDeadlineAtRisk'),
      );
    clock.advance(originalDue - clock.now().getTime() + DAY_MS);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a few of the erasure service's sweeps
    expect(await warnings()).toEqual([]);
    expect(await view()).toMatchObject({ deadlineAtRisk: false });
    clock.advance(twoMonthsOn.getTime() - clock.now().getTime() - 6 * DAY_MS);
    const atRisk = await eventually(
      async () => {
        const found = await warnings();
        return found.length > 0 ? found : undefined;
      },
      20_000,
      'the at-risk warning before the extended deadline',
    );
    expect(atRisk.map((e) => (e.data as { dueAt: number }).dueAt)).toEqual([twoMonthsOn.getTime()]);

    const holdId = placed.json<{ holdId: string }>().holdId;
    expect(
      (await retention.app.inject({ method: 'DELETE', url: `/v1/legal-holds/${holdId}`, headers: operator }))
        .statusCode,
    ).toBe(204);
    const completed = await completion(subjectId);
    if (!isEventOfType(completed, 'ErasureCompleted')) throw new Error('unreachable');
    expect(completed.envelope.occurredAt).toBeGreaterThan(originalDue);
    expect(JSON.parse(completed.data.certificate.json)).toMatchObject({
      dueAt: twoMonthsOn.toISOString(),
      deadlineExtensions: [{ to: twoMonthsOn.toISOString(), reason: 'complexity' }],
    });
    const onLog = (await eventsOf('lethe.erasure.events.v1', subjectId)).filter((e) =>
      isEventOfType(e, 'ErasureDeadlineExtended'),
    );
    expect(onLog.map((e) => e.data)).toEqual([
      {
        requestId,
        previousDueAt: originalDue,
        dueAt: twoMonthsOn.getTime(),
        reason: 'complexity',
        extendedBy: expect.any(String),
      },
    ]);
    // The ledger test below verifies the whole log: this completion, after the original deadline,
    // is on time against the extended one.
  });

  const completions = (subjectId: string, count: number) =>
    eventually(
      async () => {
        const done = (await eventsOf('lethe.erasure.events.v1', subjectId)).filter((e) =>
          isEventOfType(e, 'ErasureCompleted'),
        );
        return done.length >= count ? done : undefined;
      },
      30_000,
      `${count} ErasureCompleted for ${subjectId}`,
    );
  const accountCommand = (subjectId: string, command: 'deactivate' | 'reactivate') =>
    accounts.app.inject({ method: 'POST', url: `/v1/accounts/${subjectId}/${command}`, headers: operator });

  it('erases a deactivated account after the grace period; reactivating stops the clock', async () => {
    const gone = await openAccount('dee');
    const back = await openAccount('rae');
    for (const subjectId of [gone, back]) {
      expect((await accountCommand(subjectId, 'deactivate')).statusCode).toBe(204);
      await hasClock(subjectId, 'account-deactivated');
    }
    expect((await accountCommand(back, 'reactivate')).statusCode).toBe(204);
    await eventually(
      async () =>
        (await retentionOf(back))?.clocks.some((c) => c.clock === 'account-deactivated') === false ||
        undefined,
      20_000,
      'the deactivation clock to stop on reactivation',
    );

    await advance(24 * DAY_MS); // inside the seven days' notice
    await eventually(
      async () =>
        (await eventsOf('lethe.retention.events.v1', gone)).some(
          (e) => isEventOfType(e, 'RetentionExpiryNoticed') && e.data.clock === 'account-deactivated',
        ) || undefined,
      20_000,
      'the deactivation notice',
    );
    expect(await accountStatus(gone)).toBe(200);
    await advance(6 * DAY_MS + 60_000); // 30 days after the deactivation

    const [completed] = await completions(gone, 1);
    if (!isEventOfType(completed!, 'ErasureCompleted')) throw new Error('unreachable');
    expect(completed.data.result).toBe('complete');
    expect(JSON.parse(completed.data.certificate.json)).toMatchObject({
      reason: 'retention-expired',
      scope: { all: true, keep: [] },
    });
    expect(await accountStatus(gone)).toBe(404);
    expect(await accountStatus(back)).toBe(200);
    const expired = (await eventsOf('lethe.retention.events.v1', gone)).filter((e) =>
      isEventOfType(e, 'RetentionExpired'),
    );
    expect(expired.map((e) => (e.data as { clock: string }).clock)).toEqual(['account-deactivated']);
    expect(
      (await eventsOf('lethe.retention.events.v1', back)).some((e) => isEventOfType(e, 'RetentionExpired')),
    ).toBe(false);
  });

  it("keeps an inactive account's marketing contact while marketing consent stands, then lets its own clock erase it", async () => {
    const subjectId = await openAccount('kim');
    const put = (granted: boolean, extra: object = {}) =>
      consent.app.inject({
        method: 'PUT',
        url: `/v1/subjects/${subjectId}/consents/marketing-email`,
        headers: operator,
        payload: { granted, ...proof, ...extra },
      });
    expect((await put(true, { contact: { address: 'kim.news@example.com' } })).statusCode).toBe(200);
    await hasClock(subjectId, 'account-inactivity');
    await eventually(
      async () =>
        (await retention.streams.load(subjectId))?.state.grantedPurposes.includes('marketing-email') ||
        undefined,
      20_000,
      'retention to see the grant',
    );
    // 731 days without activity, in one step: a second step would find erasures of other subjects
    // this one started still open and date them past their deadline.
    await advance(731 * DAY_MS);

    const [whole] = await completions(subjectId, 1);
    if (!isEventOfType(whole!, 'ErasureCompleted')) throw new Error('unreachable');
    const certificate = JSON.parse(whole.data.certificate.json) as {
      scope: object;
      outcomes: { participantId: string; outcome: string }[];
    };
    expect(certificate.scope).toEqual({ all: true, categories: [], keep: ['marketing-contact'] });
    expect(certificate.outcomes).toContainEqual(
      expect.objectContaining({ participantId: 'consent', outcome: 'retained-consent' }),
    );
    expect(whole.data.result).toBe('complete');
    expect(await accountStatus(subjectId)).toBe(404);
    // The subject's key is shredded, and still the mail can go out: the contact has its own key.
    expect(await createKeyVault({ db, kek }).lookup(subjectId)).toMatchObject({ kind: 'erased' });
    expect(await consent.contacts.read(subjectId)).toEqual([
      { purpose: 'marketing-email', channel: 'email', address: 'kim.news@example.com' },
    ]);

    // The subject unsubscribes: the marketing clock runs, and then the contact goes too.
    expect((await put(false)).statusCode).toBe(200);
    await hasClock(subjectId, 'marketing-contact');
    await advance(2 * DAY_MS + 60_000);
    const [, contact] = await completions(subjectId, 2);
    if (!isEventOfType(contact!, 'ErasureCompleted')) throw new Error('unreachable');
    expect(JSON.parse(contact.data.certificate.json)).toMatchObject({
      reason: 'consent-withdrawn',
      scope: { all: false, categories: ['marketing-contact'] },
    });
    expect(contact.data.result).toBe('complete');
    expect(await consent.contacts.read(subjectId)).toEqual([]);
  });

  it('answers bad hold requests clearly', async () => {
    const unknown = await retention.app.inject({
      method: 'POST',
      url: '/v1/legal-holds',
      headers: operator,
      payload: { subjectId: 'sub_nobody', reference: 'x', reason: 'y' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'RETENTION_SUBJECT_UNKNOWN' });
    const released = await retention.app.inject({
      method: 'DELETE',
      url: '/v1/legal-holds/hold_nothing',
      headers: operator,
    });
    expect(released.json()).toMatchObject({ code: 'RETENTION_HOLD_UNKNOWN' });
    const auditor = await retention.app.inject({
      method: 'POST',
      url: '/v1/legal-holds',
      headers: bearer(keys.privateKey, ['auditor']),
      payload: { subjectId: 'sub_nobody', reference: 'x', reason: 'y' },
    });
    expect(auditor.statusCode).toBe(403);
    const policies = await retention.app.inject({ url: '/v1/policies', headers: operator });
    expect(policies.json()).toMatchObject({
      active: { version: 'seed-policy.v1' },
      activations: [{ policyVersion: 'seed-policy.v1' }],
    });
  });

  it('keeps the closed consent ledger on its stated legal basis until the obligation ends, then erases it', async () => {
    const subjectId = await openAccount('lex');
    const granted = await consent.app.inject({
      method: 'PUT',
      url: `/v1/subjects/${subjectId}/consents/analytics`,
      headers: operator,
      payload: { granted: true, ...proof },
    });
    expect(granted.statusCode).toBe(200);
    const deleted = await accounts.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${subjectId}`,
      headers: operator,
    });
    expect(deleted.statusCode).toBe(202);
    const [whole] = await completions(subjectId, 1);
    if (!isEventOfType(whole!, 'ErasureCompleted')) throw new Error('unreachable');
    const kept = whole.data.outcomes.find((o) => o.participantId === 'consent');
    const proofUntil = whole.envelope.occurredAt + 1095 * DAY_MS;
    expect(kept).toMatchObject({ outcome: 'retained-legal', retainedUntil: proofUntil });
    expect(JSON.parse(whole.data.certificate.json)).toMatchObject({
      retainedUnderLaw: [
        {
          participantId: 'consent',
          clock: 'consent-proof',
          basis: expect.stringContaining('GDPR Art. 7(1)'),
          until: new Date(proofUntil).toISOString(),
        },
      ],
    });
    expect((await consent.streams.load(subjectId))?.state.closedBy).not.toBeNull(); // kept, closed
    await hasClock(subjectId, 'consent-proof');

    // Three years on, the obligation ends: the proof goes too.
    await advance(1095 * DAY_MS + 60_000);
    const [, proofGone] = await completions(subjectId, 2);
    if (!isEventOfType(proofGone!, 'ErasureCompleted')) throw new Error('unreachable');
    expect(JSON.parse(proofGone.data.certificate.json)).toMatchObject({
      reason: 'legal-obligation-ended',
      scope: { all: false, categories: ['consent-proof'] },
    });
    expect(proofGone.data.outcomes).toEqual([
      expect.objectContaining({ participantId: 'consent', outcome: 'erased', verifiedEmpty: true }),
    ]);
    expect(await consent.streams.load(subjectId)).toBeUndefined();
  });

  it('leaves a ledger that proves the whole workload from offset 0', async () => {
    // Accounts, consents, deletions, a held erasure, retention expiries: all of it, replayed.
    const report = await eventually(
      async () => {
        const result = await verifyLedger({
          kafka,
          codec,
          publicKey: publicKeyFrom(ledgerKeys.publicKey),
          topicName,
          keyVault: createKeyVaultReader(db),
          // Every task the erasure service issued carries its signature.
          taskPublicKeys: testTaskKeys().publicKeys,
        });
        return result.ok ? result : undefined;
      },
      60_000,
      'the ledger to cover the workload and verify',
    );
    expect(report.ledger.checkpoints).toBeGreaterThan(0);
    expect(report.requests.filter((r) => r.status === 'completed').length).toBeGreaterThanOrEqual(3);
    expect(report.erasedSubjectsChecked).toBeGreaterThanOrEqual(2);
    expect(report.requests.some((r) => r.steps.some((step) => step.type === 'ErasureBlocked'))).toBe(true);
  });
});
