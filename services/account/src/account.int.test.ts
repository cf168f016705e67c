import { randomBytes } from 'node:crypto';

import type { KafkaClient } from '@lethe/kafka';
import { Redis } from 'ioredis';
import type { Db } from 'mongodb';

import { createFieldCipher, createKeyVault, localKek } from '@lethe/crypto';
import { isEventOfType, makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import { createOutboxRelay, type StreamDocument } from '@lethe/eventstore';
import { joinErasureProtocol, type ErasureTask } from '@lethe/participant';
import { accessRecorderOn, generateSigningKeys, publicKeyFrom, type Scope } from '@lethe/service-kit';
import {
  bearer,
  eventually,
  freePort,
  openTestScope,
  readAllEvents,
  testLogger,
  testRedis,
  type TestScope,
  signedTaskData,
  testTaskKeys,
} from '@lethe/test-harness';

import { cacheKeys } from './cache/profile-cache';
import { ACCOUNT_PARTICIPANT } from './erasure/erase-account';
import { EMAIL_INDEX } from './sign-in/email-index-store';
import { ACCOUNT_EVENTS_TOPIC } from './events/to-records';
import { createAccountService, type AccountService } from './service';

const ACCESS_TOPIC = 'lethe.access.events.v1';
const keys = generateSigningKeys();
const kek = localKek(randomBytes(32).toString('base64'));
const token = (scope: Scope[], subjectId?: string) => bearer(keys.privateKey, scope, subjectId).authorization;
const operator = { authorization: token(['operator']) };
const serviceCaller = { authorization: token(['service']) };

describe('the account service against the real servers', () => {
  let scope: TestScope;
  let db: Db;
  let kafka: KafkaClient;
  let codec: EventCodec;
  let topic: string;
  let service: AccountService;
  let redis: Redis;

  beforeAll(async () => {
    scope = await openTestScope('account', {
      topics: [
        ACCOUNT_EVENTS_TOPIC,
        ACCESS_TOPIC,
        'lethe.erasure.participants.v1',
        'lethe.erasure.answers.v1',
      ],
      partitionsOf: { [ACCOUNT_EVENTS_TOPIC]: 3 },
    });
    ({ db, kafka, codec } = scope);
    topic = scope.topicName(ACCOUNT_EVENTS_TOPIC);
    redis = testRedis();
    service = await createAccountService({
      db,
      redis,
      codec,
      kek,
      topic,
      logger: testLogger(),
      publicKeys: [publicKeyFrom(keys.publicKey)],
      recordAccess: accessRecorderOn(kafka.eventProducer(codec, scope.topicName), 'account'),
    });
  });
  afterAll(async () => {
    await service.app.close();
    redis.disconnect();
    await scope.close();
  });

  async function relayAndRead(): Promise<LetheEvent[]> {
    await createOutboxRelay({
      store: service.streams,
      send: kafka.send,
      logger: testLogger(),
    }).flush();
    return readAllEvents(kafka, codec, topic);
  }

  it('opens, reads, changes and deletes an account; personal data is ciphertext at rest and in the log', async () => {
    const created = await service.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: operator,
      payload: { email: 'ada@example.com', name: 'Ada Lovelace', timezone: 'Europe/London' },
    });
    expect(created.statusCode).toBe(201);
    const { subjectId } = created.json<{ subjectId: string }>();

    const own = { authorization: token(['subject'], subjectId) };
    const read = await service.app.inject({ url: `/v1/accounts/${subjectId}`, headers: own });
    expect(read.json()).toMatchObject({
      subjectId,
      status: 'active',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      phone: null,
    });

    const patched = await service.app.inject({
      method: 'PATCH',
      url: `/v1/accounts/${subjectId}`,
      headers: own,
      payload: { email: 'ada@example.org' },
    });
    expect(patched.json()).toMatchObject({ email: 'ada@example.org' });

    const deleted = await service.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${subjectId}`,
      headers: own,
    });
    expect(deleted.statusCode).toBe(202);
    const again = await service.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${subjectId}`,
      headers: own,
    });
    expect(again.json()).toEqual(deleted.json()); // joins the open request

    // At rest: no commit document holds a personal value in clear.
    const commits: StreamDocument<unknown>[] = await service.streams.history(subjectId);
    expect(commits.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(commits)).not.toMatch(/ada@example|Lovelace|Europe\/London/);

    // In the log: AccountCreated, AccountActivityRecorded, AccountProfileUpdated, AccountDeletionRequested, once each.
    const events = (await relayAndRead()).filter((event) => event.envelope.subjectId === subjectId);
    expect(events.map((event) => event.envelope.type)).toEqual([
      'AccountCreated',
      'AccountActivityRecorded',
      'AccountProfileUpdated',
      'AccountDeletionRequested',
    ]);
    const opened = events[0]!;
    if (!isEventOfType(opened, 'AccountCreated')) throw new Error('expected AccountCreated');
    expect(opened.data.email.toString('latin1')).not.toContain('ada@example');
    const vault = createKeyVault({ db, kek });
    const cipher = createFieldCipher({ vault });
    const emailAddress = {
      subjectId,
      context: ACCOUNT_EVENTS_TOPIC,
      recordId: opened.envelope.eventId,
      field: 'email',
    };
    expect(await cipher.decrypt(emailAddress, opened.data.email)).toEqual({
      kind: 'value',
      value: 'ada@example.com',
    });
    const deletion = events[3]!;
    expect(isEventOfType(deletion, 'AccountDeletionRequested') && deletion.data.requestId).toBe(
      deleted.json<{ requestId: string }>().requestId,
    );

    // Crypto-shredding: destroying the subject's key makes the log's copy unreadable.
    await vault.shred(subjectId, { requestId: 'req_test', at: new Date() });
    expect(await cipher.decrypt(emailAddress, opened.data.email)).toEqual({ kind: 'erased' });
    // And for a process that never held the key (other processes see it within the cache TTL).
    const cold = createFieldCipher({ vault: createKeyVault({ db, kek }) });
    expect(await cold.decrypt(emailAddress, opened.data.email)).toEqual({ kind: 'erased' });
  });

  it('takes part in erasure: a task ends the stream, strips every commit, answers with proof', async () => {
    const { topicName } = scope;
    const participant = await joinErasureProtocol({
      taskPublicKeys: testTaskKeys().publicKeys,
      kafka,
      codec,
      logger: testLogger(),
      topicName,
      declaration: ACCOUNT_PARTICIPANT,
      erase: service.erase,
    });
    try {
      const created = await service.app.inject({
        method: 'POST',
        url: '/v1/accounts',
        headers: operator,
        payload: { email: 'grace@example.com', name: 'Grace' },
      });
      const { subjectId } = created.json<{ subjectId: string }>();
      await service.app.inject({
        method: 'PATCH',
        url: `/v1/accounts/${subjectId}`,
        headers: operator,
        payload: { name: 'Grace H.' },
      });

      await kafka.eventProducer(codec).publish([
        {
          topic: topicName('lethe.erasure.tasks.account.v1'),
          event: makeEvent(
            'ErasureTaskIssued',
            { subjectId, correlationId: 'req_acct', producer: 'test', occurredAt: Date.now() },
            signedTaskData({ requestId: 'req_acct', participantId: 'account', subjectId }),
          ),
        },
      ]);

      const completed = await eventually(
        async () => {
          const consumerEvents = await readAllEvents(kafka, codec, topicName('lethe.erasure.answers.v1'));
          return consumerEvents.find(
            (e) => isEventOfType(e, 'ErasureTaskCompleted') && e.data.requestId === 'req_acct',
          );
        },
        30_000,
        'the account task to complete',
      );
      expect(isEventOfType(completed, 'ErasureTaskCompleted') && completed.data).toMatchObject({
        participantId: 'account',
        outcome: 'erased',
        verifiedEmpty: true,
      });

      expect(
        (await service.app.inject({ url: `/v1/accounts/${subjectId}`, headers: operator })).statusCode,
      ).toBe(404);
      const commits = await service.streams.history(subjectId);
      expect(commits.every((commit) => commit.state.status === 'erased')).toBe(true);
      expect(JSON.stringify(commits.map((commit) => commit.state))).not.toContain('profile');
    } finally {
      await participant.stop();
    }
  });

  it('finds a live account by its address for sign-in, follows an address change, and forgets it with the account', async () => {
    const lookup = (email: string, headers: Record<string, string> = serviceCaller) =>
      service.app.inject({ method: 'POST', url: '/v1/account-lookups', headers, payload: { email } });
    const email = `ada.${randomBytes(4).toString('hex')}@example.com`;
    const created = await service.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: operator,
      payload: { email, name: 'Ada' },
    });
    const { subjectId } = created.json<{ subjectId: string }>();

    // As people type it: case and spaces do not matter.
    expect((await lookup(`  ${email.toUpperCase()} `)).json()).toEqual({ subjectId });
    // Only a service finds accounts by address: a subject or an operator token does not.
    expect((await lookup(email, { authorization: token(['subject'], subjectId) })).statusCode).toBe(403);
    expect((await lookup(email, operator)).statusCode).toBe(403);
    // At rest the index holds a keyed hash, never the address.
    expect(JSON.stringify(await db.collection(EMAIL_INDEX).find({ subjectId }).toArray())).not.toContain(
      email,
    );

    const moved = `moved.${email}`;
    await service.app.inject({
      method: 'PATCH',
      url: `/v1/accounts/${subjectId}`,
      headers: operator,
      payload: { email: moved },
    });
    expect((await lookup(moved)).json()).toEqual({ subjectId });
    expect((await lookup(email)).statusCode).toBe(404);

    const task: ErasureTask = {
      requestId: 'req_index',
      subjectId,
      scope: { all: true, categories: [], keep: [] },
      attempt: 1,
      deadlineAt: new Date(),
      signature: null,
    };
    const erased = await service.erase(task);
    expect(erased).toMatchObject({ outcome: 'erased', verifiedEmpty: true });
    expect(erased.counts[`mongodb:${EMAIL_INDEX}`]).toBe(1);
    expect(await db.collection(EMAIL_INDEX).countDocuments({ subjectId })).toBe(0);
    const gone = await lookup(moved);
    expect(gone.statusCode).toBe(404);
    expect(gone.body).not.toContain(moved);
  });

  it('caches profiles and sessions in Redis under a per-subject index that erasure empties', async () => {
    const open = async (email: string) =>
      (
        await service.app.inject({
          method: 'POST',
          url: '/v1/accounts',
          headers: operator,
          payload: { email, name: 'X' },
        })
      ).json<{ subjectId: string }>().subjectId;
    const [a, b] = [await open('a@example.com'), await open('b@example.com')];
    for (const subjectId of [a, b]) {
      await service.app.inject({ url: `/v1/accounts/${subjectId}`, headers: operator }); // caches the profile
      expect(
        (
          await service.app.inject({
            method: 'POST',
            url: `/v1/accounts/${subjectId}/sessions`,
            headers: operator,
          })
        ).statusCode,
      ).toBe(201);
    }
    const keysOf = async (subjectId: string) => redis.smembers(cacheKeys.index(subjectId));
    expect(await keysOf(a)).toHaveLength(2);
    // Sealed in Redis as at rest.
    expect(await redis.get(cacheKeys.profile(a))).not.toContain('a@example.com');

    const task = (subjectId: string) => ({
      requestId: `req_cache_${subjectId}`,
      subjectId,
      scope: { all: true, categories: [], keep: [] },
      attempt: 1,
      deadlineAt: new Date(),
      signature: null,
    });
    // Two subjects in one call: the one with keys, and one that never had any.
    const [result, nothing] = await service.eraseCache([task(a), task('sub_never_cached')]);

    expect(result).toMatchObject({
      outcome: 'erased',
      verifiedEmpty: true,
      counts: { 'redis:lethe:account': 3 },
    });
    expect(nothing).toMatchObject({
      outcome: 'not-found',
      verifiedEmpty: true,
      counts: { 'redis:lethe:account': 0 },
    });
    expect(await redis.exists(cacheKeys.index(a), cacheKeys.profile(a))).toBe(0);
    expect(await keysOf(b)).toHaveLength(2);
    expect(await redis.exists(cacheKeys.profile(b))).toBe(1);
  });

  it('records every answer that carries the profile, with its reader, before answering; nothing else', async () => {
    const created = await service.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: operator,
      payload: { email: 'read@example.com', name: 'Reader' },
    });
    const { subjectId } = created.json<{ subjectId: string }>();
    const read = await service.app.inject({
      url: `/v1/accounts/${subjectId}`,
      headers: { authorization: token(['subject'], subjectId), 'lethe-purpose': 'dashboard' },
    });
    expect(read.statusCode).toBe(200);
    await service.app.inject({
      method: 'PATCH',
      url: `/v1/accounts/${subjectId}`,
      headers: operator,
      payload: { name: 'Reader Two' },
    });
    // Not personal-data answers: a refused read, and a sign-up (its answer is the id alone).
    await service.app.inject({
      url: `/v1/accounts/${subjectId}`,
      headers: { authorization: token(['subject'], 'sub_x') },
    });

    const reads = (await readAllEvents(kafka, codec, scope.topicName(ACCESS_TOPIC))).filter(
      (event) => event.envelope.subjectId === subjectId,
    );
    expect(reads.map((event) => event.data)).toEqual([
      {
        actor: 'test',
        actorScopes: ['subject'],
        service: 'account',
        operation: 'GET /v1/accounts/:subjectId',
        fields: ['email', 'name', 'phone', 'timezone'],
        purpose: 'dashboard',
      },
      expect.objectContaining({
        actorScopes: ['operator'],
        operation: 'PATCH /v1/accounts/:subjectId',
        purpose: null,
      }),
    ]);
    expect(JSON.stringify(reads)).not.toContain('read@example.com');
  });

  it('answers bad input, unknown accounts and wrong callers with problems', async () => {
    const invalid = await service.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: operator,
      payload: { email: 'nope', name: '' },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().code).toBe('REQUEST_INVALID');
    // Not coerced to "123", not dropped: refused, with the field named.
    const coerced = await service.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: operator,
      payload: { email: 'a@example.com', name: 123, nickname: 'A' },
    });
    expect(coerced.statusCode).toBe(400);
    expect(
      coerced
        .json<{ errors: { path: string }[] }>()
        .errors.map((error) => error.path)
        .sort(),
    ).toEqual(['body/name', 'body/nickname']);

    const unknown = await service.app.inject({ url: '/v1/accounts/sub_unknown', headers: operator });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('ACCOUNT_NOT_FOUND');

    const created = await service.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: operator,
      payload: { email: 'b@example.com', name: 'B' },
    });
    const { subjectId } = created.json<{ subjectId: string }>();
    const someoneElse = await service.app.inject({
      url: `/v1/accounts/${subjectId}`,
      headers: { authorization: token(['subject'], 'sub_other') },
    });
    expect(someoneElse.statusCode).toBe(403);
    const subjectCannotCreate = await service.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: { authorization: token(['subject'], subjectId) },
      payload: { email: 'c@example.com', name: 'C' },
    });
    expect(subjectCannotCreate.statusCode).toBe(403);
  });
  it('answers a retried sign-up with the same Idempotency-Key once, and refuses the key for another body', async () => {
    const key = { ...operator, 'idempotency-key': `signup-${randomBytes(6).toString('hex')}` };
    const payload = { email: 'mary@example.com', name: 'Mary Somerville' };
    const first = await service.app.inject({ method: 'POST', url: '/v1/accounts', headers: key, payload });
    const again = await service.app.inject({ method: 'POST', url: '/v1/accounts', headers: key, payload });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const { subjectId } = first.json<{ subjectId: string }>();
    expect(again.json()).toEqual({ subjectId });
    expect((await service.streams.history(subjectId)).length).toBe(1);

    const other = await service.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: key,
      payload: { ...payload, name: 'Someone Else' },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('answers a failure after the commit with a retryable 503 whose retry returns the same account', async () => {
    // An instance whose Redis is unreachable: the account is stored, the cache cannot be dropped.
    const unreachable = new Redis(`redis://127.0.0.1:${await freePort()}`, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    const broken = await createAccountService({
      db,
      redis: unreachable,
      codec,
      kek,
      topic,
      logger: testLogger(),
      publicKeys: [publicKeyFrom(keys.publicKey)],
    });
    const key = { ...operator, 'idempotency-key': `signup-${randomBytes(6).toString('hex')}` };
    const payload = { email: 'emmy@example.com', name: 'Emmy Noether' };
    try {
      const failed = await broken.app.inject({ method: 'POST', url: '/v1/accounts', headers: key, payload });
      expect(failed.statusCode).toBe(503);
      expect(failed.json()).toMatchObject({ code: 'ACCOUNT_CACHE_UNAVAILABLE' });
    } finally {
      await broken.app.close();
      unreachable.disconnect();
    }
    // The client retries (here against a healthy instance): the same account, not a second one.
    const retried = await service.app.inject({ method: 'POST', url: '/v1/accounts', headers: key, payload });
    expect(retried.statusCode).toBe(201);
    const { subjectId } = retried.json<{ subjectId: string }>();
    expect((await service.streams.history(subjectId)).length).toBe(1);
    const read = await service.app.inject({ url: `/v1/accounts/${subjectId}`, headers: operator });
    expect(read.json()).toMatchObject({ name: 'Emmy Noether', status: 'active' });
  });
});
