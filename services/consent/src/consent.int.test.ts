import { createHash, randomBytes } from 'node:crypto';

import type { KafkaClient } from '@lethe/kafka';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';

import { createKeyVault, localKek, type KeyVault } from '@lethe/crypto';
import { isEventOfType, type EventCodec } from '@lethe/events';
import { createOutboxRelay } from '@lethe/eventstore';
import { generateSigningKeys, publicKeyFrom, type Scope } from '@lethe/service-kit';
import {
  bearer,
  openTestScope,
  readAllEvents,
  testLogger,
  testRedis,
  uniqueName,
  type TestScope,
} from '@lethe/test-harness';

import { loadPurposes } from './consent/purposes';
import { consentKey } from './read-model/consent-cache';
import { MARKETING_CONTACTS, marketingKeyOwner } from './consent/marketing-contacts';
import { CONSENT_EVENTS_TOPIC } from './consent/to-records';
import { createConsentService, type ConsentService } from './service';

const keys = generateSigningKeys();
const token = (scopes: Scope[], subjectId?: string) => bearer(keys.privateKey, scopes, subjectId);
const service_ = token(['service']);
const textHash = `sha256:${createHash('sha256').update('We will email you about new features.').digest('hex')}`;
const proof = { source: 'signup-form', policyVersion: '2026-11-01', textHash };

describe('the consent service against the real servers', () => {
  let scope: TestScope;
  let db: Db;
  let kafka: KafkaClient;
  let codec: EventCodec;
  let redis: Redis;
  let topic: string;
  let consent: ConsentService;
  let vault: KeyVault;
  const kek = localKek(randomBytes(32).toString('base64'));

  beforeAll(async () => {
    scope = await openTestScope('consent', { topics: [CONSENT_EVENTS_TOPIC], partitions: 3 });
    ({ db, kafka, codec } = scope);
    topic = scope.topicName(CONSENT_EVENTS_TOPIC);
    redis = testRedis();
    consent = await createConsentService({
      db,
      redis,
      codec,
      kek,
      logger: testLogger(),
      publicKeys: [publicKeyFrom(keys.publicKey)],
      purposes: loadPurposes(),
      topic,
      policyVersion: '2026-11-01',
    });
    vault = createKeyVault({ db, kek });
  });
  afterAll(async () => {
    await consent.app.close();
    redis.disconnect();
    await scope.close();
  });

  const put = (
    subjectId: string,
    purpose: string,
    body: object,
    headers: Record<string, string> = service_,
  ) =>
    consent.app.inject({
      method: 'PUT',
      url: `/v1/subjects/${subjectId}/consents/${purpose}`,
      headers,
      payload: body,
    });
  const check = async (subjectId: string, purpose: string) =>
    (
      await consent.app.inject({ url: `/v1/subjects/${subjectId}/consents/${purpose}`, headers: service_ })
    ).json<{
      granted: boolean;
    }>().granted;
  const events = async (subjectId: string) => {
    await createOutboxRelay({ store: consent.streams, send: kafka.send, logger: testLogger() }).flush();
    return (await readAllEvents(kafka, codec, topic)).filter(
      (event) => event.envelope.subjectId === subjectId,
    );
  };

  it('records grants and withdrawals with their proof; the fast check follows; the log has each decision', async () => {
    const subjectId = uniqueName('sub');
    const granted = await put(subjectId, 'marketing-email', {
      granted: true,
      ...proof,
      contact: { address: 'ada@example.com' },
    });
    expect(granted.statusCode).toBe(200);
    expect(granted.json()).toMatchObject({ purpose: 'marketing-email', granted: true, ...proof, gpc: false });
    expect(await check(subjectId, 'marketing-email')).toBe(true);
    expect(await check(subjectId, 'analytics')).toBe(false); // never asked: no consent
    // The same request again changes nothing.
    await put(subjectId, 'marketing-email', { granted: true, ...proof });
    await put(subjectId, 'marketing-email', { granted: false, ...proof, source: 'preferences-page' });
    expect(await check(subjectId, 'marketing-email')).toBe(false);

    const listed = (
      await consent.app.inject({
        url: `/v1/subjects/${subjectId}/consents`,
        headers: token(['subject'], subjectId),
      })
    ).json<{
      consents: Record<string, { granted: boolean }>;
      history: { granted: boolean; source: string }[];
    }>();
    expect(listed.consents['marketing-email']).toMatchObject({ granted: false, source: 'preferences-page' });
    expect(listed.history.map((d) => [d.granted, d.source])).toEqual([
      [true, 'signup-form'],
      [false, 'preferences-page'],
    ]);

    const onLog = await events(subjectId);
    expect(onLog.map((e) => e.envelope.type)).toEqual(['ConsentGranted', 'ConsentWithdrawn']);
    expect(onLog[0]!.data).toEqual({ purpose: 'marketing-email', ...proof, gpc: false });
    // The contact address is at rest only sealed, and never on the log.
    const stored = await db.collection(MARKETING_CONTACTS).findOne({ subjectId });
    expect(JSON.stringify(stored)).not.toContain('ada@example.com');
    expect(await consent.contacts.read(subjectId)).toEqual([
      { purpose: 'marketing-email', channel: 'email', address: 'ada@example.com' },
    ]);
    for (const event of onLog) expect(JSON.stringify(event)).not.toContain('ada@example.com');
  });

  it('takes Sec-GPC: 1 as an opt-out of sale and sharing, once', async () => {
    const subjectId = uniqueName('sub');
    await put(subjectId, 'data-sale', { granted: true, ...proof });
    await put(subjectId, 'analytics', { granted: true, ...proof });
    const gpc = { ...service_, 'sec-gpc': '1' };
    await consent.app.inject({ url: `/v1/subjects/${subjectId}/consents`, headers: gpc });
    await consent.app.inject({ url: `/v1/subjects/${subjectId}/consents`, headers: gpc });
    expect(await check(subjectId, 'data-sale')).toBe(false);
    expect(await check(subjectId, 'cross-context-advertising')).toBe(false);
    expect(await check(subjectId, 'analytics')).toBe(true); // not a sale or sharing
    const withdrawn = (await events(subjectId)).filter((e) => isEventOfType(e, 'ConsentWithdrawn'));
    expect(withdrawn.map((e) => e.data)).toEqual([
      expect.objectContaining({ purpose: 'cross-context-advertising', gpc: true, source: 'gpc-signal' }),
      expect.objectContaining({ purpose: 'data-sale', gpc: true, source: 'gpc-signal' }),
    ]);
  });

  it('answers Sec-GPC: 1 on the fast check of a sale or sharing purpose with false, and records the opt-out', async () => {
    const subjectId = uniqueName('sub');
    await put(subjectId, 'data-sale', { granted: true, ...proof });
    await put(subjectId, 'analytics', { granted: true, ...proof });
    const fastCheck = (purpose: string) =>
      consent.app.inject({
        url: `/v1/subjects/${subjectId}/consents/${purpose}`,
        headers: { ...service_, 'sec-gpc': '1' },
      });
    expect((await fastCheck('data-sale')).json()).toMatchObject({ granted: false });
    expect((await fastCheck('data-sale')).json()).toMatchObject({ granted: false });
    expect((await fastCheck('analytics')).json()).toMatchObject({ granted: true }); // not a sale or sharing
    // Recorded, not just answered: without the header the opt-out stands.
    expect(await check(subjectId, 'data-sale')).toBe(false);
    const withdrawn = (await events(subjectId)).filter((e) => isEventOfType(e, 'ConsentWithdrawn'));
    expect(withdrawn.map((e) => e.data)).toEqual([
      expect.objectContaining({ purpose: 'cross-context-advertising', gpc: true, source: 'gpc-signal' }),
      expect.objectContaining({ purpose: 'data-sale', gpc: true, source: 'gpc-signal' }),
    ]);
  });

  it('says it honours GPC at /.well-known/gpc.json, to anyone', async () => {
    const answer = await consent.app.inject({ url: '/.well-known/gpc.json' });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ gpc: true, lastUpdate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });

  it('lists the purposes and the policy version a dashboard records choices under, to a signed-in subject', async () => {
    const answer = await consent.app.inject({ url: '/v1/purposes', headers: token(['subject'], 'sub_any') });
    expect(answer.statusCode).toBe(200);
    const { policyVersion, purposes } = answer.json<{ policyVersion: string; purposes: { id: string }[] }>();
    expect(policyVersion).toBe('2026-11-01');
    expect(purposes).toContainEqual(
      expect.objectContaining({ id: 'marketing-email', marketingContact: 'email', saleOrSharing: false }),
    );
    expect((await consent.app.inject({ url: '/v1/purposes' })).statusCode).toBe(401);
  });

  it('answers bad input with a clear problem', async () => {
    const subjectId = uniqueName('sub');
    const unknown = await put(subjectId, 'telepathy', { granted: true, ...proof });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'CONSENT_PURPOSE_UNKNOWN' });
    expect(
      (await put(subjectId, 'analytics', { granted: true, ...proof, textHash: 'md5:x' })).statusCode,
    ).toBe(400);
    const contact = await put(subjectId, 'analytics', {
      granted: true,
      ...proof,
      contact: { address: 'a@b.c' },
    });
    expect(contact.statusCode).toBe(422);
    expect(contact.json()).toMatchObject({ code: 'CONSENT_CONTACT_NOT_EXPECTED' });
    const otherSubject = await put(
      subjectId,
      'analytics',
      { granted: true, ...proof },
      token(['subject'], 'sub_other'),
    );
    expect(otherSubject.statusCode).toBe(403);
    expect((await put(subjectId, 'analytics', { granted: true, ...proof }, {})).statusCode).toBe(401);
  });

  it('records nothing for a decision that is not exactly a boolean, or carries an unknown field', async () => {
    const subjectId = uniqueName('sub');
    for (const body of [
      { granted: null, ...proof },
      { granted: 'true', ...proof },
      { granted: [true], ...proof },
      { granted: true, ...proof, grantedUntil: '2030-01-01' },
    ]) {
      const answer = await put(subjectId, 'analytics', body);
      expect(answer.statusCode).toBe(400);
      expect(answer.json().errors[0].path).toMatch(/^body\/(granted|grantedUntil)$/);
    }
    expect(await check(subjectId, 'analytics')).toBe(false);
    expect(await events(subjectId)).toEqual([]);
  });

  it('rebuilds the fast-check read model from the ledger when it is missing', async () => {
    const subjectId = uniqueName('sub');
    await put(subjectId, 'llm-processing', { granted: true, ...proof });
    await redis.del(consentKey(subjectId));
    expect(await check(subjectId, 'llm-processing')).toBe(true);
    expect(await redis.hget(consentKey(subjectId), 'llm-processing')).toBe('1');
  });

  it('erases marketing contacts for that scope, and for the whole account keeps only the ledger, closed', async () => {
    const subjectId = uniqueName('sub');
    await put(subjectId, 'marketing-sms', {
      granted: true,
      ...proof,
      contact: { address: '+44 20 7946 0000' },
    });
    await put(subjectId, 'marketing-sms', { granted: false, ...proof });
    const task = {
      requestId: 'req_1',
      subjectId,
      attempt: 1,
      deadlineAt: new Date(Date.now() + 60_000),
      signature: null,
    };

    const scoped = await consent.erase({
      ...task,
      scope: { all: false, categories: ['marketing-contact'], keep: [] },
    });
    expect(scoped).toMatchObject({
      outcome: 'erased',
      verifiedEmpty: true,
      counts: { 'mongodb:marketing_contacts': 1 },
    });
    expect(await db.collection(MARKETING_CONTACTS).countDocuments({ subjectId })).toBe(0);
    expect(await check(subjectId, 'marketing-sms')).toBe(false); // the ledger is untouched

    const all = await consent.erase({
      ...task,
      requestId: 'req_2',
      scope: { all: true, categories: [], keep: [] },
    });
    expect(all).toMatchObject({
      outcome: 'retained-legal',
      verifiedEmpty: true,
      evidence: { ledgerDecisionsKept: 2, ledgerContainsContactData: false },
    });
    expect(await redis.exists(consentKey(subjectId))).toBe(0);
    expect(await check(subjectId, 'marketing-sms')).toBe(false);
    expect(await redis.exists(consentKey(subjectId))).toBe(0); // a read does not bring it back
    const refused = await put(subjectId, 'analytics', { granted: true, ...proof });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'CONSENT_LEDGER_CLOSED' });
    // Running the task again is harmless.
    expect(
      await consent.erase({ ...task, requestId: 'req_2', scope: { all: true, categories: [], keep: [] } }),
    ).toMatchObject({
      verifiedEmpty: true,
    });
  });
  it('keeps the marketing contact, readable after the subject key is shredded, when a whole-account erasure keeps it', async () => {
    const subjectId = uniqueName('sub');
    await put(subjectId, 'marketing-email', {
      granted: true,
      ...proof,
      contact: { address: 'still.wants.news@example.com' },
    });
    const task = {
      requestId: 'req_k',
      subjectId,
      attempt: 1,
      deadlineAt: new Date(Date.now() + 60_000),
      signature: null,
    };
    const kept = await consent.erase({
      ...task,
      scope: { all: true, categories: [], keep: ['marketing-contact'] },
    });
    expect(kept).toMatchObject({
      outcome: 'retained-consent',
      verifiedEmpty: true,
      evidence: { marketingContactsKept: 1, ledgerKeptOpen: true },
    });
    // The key-vault participant shreds the subject's key last: the contact is under its own key.
    await vault.shred(subjectId, { requestId: 'req_k', at: new Date() });
    expect(await consent.contacts.read(subjectId)).toEqual([
      { purpose: 'marketing-email', channel: 'email', address: 'still.wants.news@example.com' },
    ]);
    expect(await check(subjectId, 'marketing-email')).toBe(true);
    // The subject can still say no: the ledger is open.
    expect((await put(subjectId, 'marketing-email', { granted: false, ...proof })).statusCode).toBe(200);

    // A whole-account erasure that keeps nothing shreds the marketing key too.
    const all = await consent.erase({
      ...task,
      requestId: 'req_k2',
      scope: { all: true, categories: [], keep: [] },
    });
    expect(all).toMatchObject({ verifiedEmpty: true, evidence: { marketingKeyShredded: true } });
    expect(await vault.lookup(marketingKeyOwner(subjectId))).toMatchObject({ kind: 'erased' });
  });

  it('gives a retried decision with the same Idempotency-Key its first answer, and refuses the key for another', async () => {
    const subjectId = uniqueName('sub');
    const headers = { ...service_, 'idempotency-key': `decide-${subjectId}` };
    const grant = { granted: true, ...proof };
    const first = await put(subjectId, 'marketing-email', grant, headers);
    const again = await put(subjectId, 'marketing-email', grant, headers);
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await put(subjectId, 'marketing-email', { ...grant, granted: false }, headers);
    expect(other.statusCode).toBe(422);
    expect((await consent.streams.history(subjectId)).length).toBe(1);
  });
});
