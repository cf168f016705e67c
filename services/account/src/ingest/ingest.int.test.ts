import { randomUUID } from 'node:crypto';

import type { AccountEventsClient } from '@lethe/client';
import {
  fieldAssociatedData,
  generateSealingKeys,
  sealFieldTo,
  sealingPublicKeyFrom,
  sealToLegacyV1,
  type SealingKeys,
} from '@lethe/crypto';
import { isEventOfType, makeEvent, type EventCodec } from '@lethe/events';
import { createOutboxRelay } from '@lethe/eventstore';
import { DLQ_HEADERS, type EventProducer, type KafkaClient } from '@lethe/kafka';
import {
  bearer,
  eventually,
  openTestScope,
  readAllEvents,
  readAllRecords,
  testLogger,
  type TestScope,
} from '@lethe/test-harness';

import { INGEST_TOPICS, startIngestRig, type IngestRig } from '../../test/ingest-rig';
import { ACCOUNT_EVENTS_TOPIC } from '../events/to-records';
import type { AccountService } from '../service';
import { USAGE_RECORDS, weekOf } from '../usage/usage-records';
import { ACCOUNT_INGEST_TOPIC } from './ingest-command';

describe('the ingest topic: other services emit account events through @lethe/client', () => {
  let scope: TestScope;
  const topicName = (logical: string) => scope.topicName(logical);
  let ingestTopic: string;
  let kafka: KafkaClient;
  let codec: EventCodec;
  let rig: IngestRig;
  let service: AccountService;
  let client: AccountEventsClient;
  let sealing: SealingKeys;
  let operator: { authorization: string };
  let raw: EventProducer;
  // The pre-HPKE format's transition ends an hour from now; a test moves the consumer's clock past it.
  const transitionEnd = new Date(Date.now() + 3_600_000);
  let clockShift = 0;

  beforeAll(async () => {
    scope = await openTestScope('ingest', { topics: INGEST_TOPICS, partitions: 3 });
    ({ kafka, codec } = scope);
    ingestTopic = topicName(ACCOUNT_INGEST_TOPIC);
    rig = await startIngestRig(scope, {
      producer: 'billing',
      now: () => new Date(Date.now() + clockShift),
      legacySealingUntil: transitionEnd,
    });
    ({ service, emitter: client, sealing } = rig);
    operator = bearer(rig.signing.privateKey, ['operator']);
    raw = kafka.eventProducer(codec, topicName);
  });
  afterAll(async () => {
    await rig.stop();
    await scope.close();
  });

  const profile = async (subjectId: string) => {
    const response = await service.app.inject({ url: `/v1/accounts/${subjectId}`, headers: operator });
    return response.statusCode === 200 ? response.json<Record<string, unknown>>() : undefined;
  };
  const deadLetters = async () => {
    const records = await readAllRecords(kafka, `${ingestTopic}.dlq`);
    return records.map((record) => ({
      key: record.key?.toString(),
      cause: record.headers[DLQ_HEADERS.cause]?.toString() ?? '',
      value: record.value ?? Buffer.alloc(0),
    }));
  };

  it('keeps usage analytics, and on erasure makes them anonymous: nothing leads back to the subject', async () => {
    const subjectId = `sub_${randomUUID().replace(/-/g, '')}`;
    const other = `sub_${randomUUID().replace(/-/g, '')}`;
    const at = new Date(Date.now() - 2 * 86_400_000);
    const emitted = [
      await client.usageSeen(subjectId, {
        feature: 'meeting-scheduled',
        platform: 'ios',
        userAgent: 'Skej/4.2 (iPhone15,2; iOS 18.1)',
        city: 'Lisbon',
        at,
      }),
      await client.usageSeen(subjectId, {
        feature: 'meeting-scheduled',
        platform: 'web',
        city: 'Lisbon',
        at,
      }),
      await client.usageSeen(subjectId, { feature: 'summary-generated', at }),
    ];
    await client.usageSeen(other, { feature: 'meeting-scheduled', platform: 'web', city: 'Porto', at });
    const usage = scope.db.collection(USAGE_RECORDS);
    await eventually(
      async () =>
        (await usage.countDocuments({ subjectId: { $in: [subjectId, other] } })) === 4 ? true : undefined,
      20_000,
      'the usage records',
    );
    // The quasi-identifiers are stored sealed, never in the clear.
    expect(JSON.stringify(await usage.find({ subjectId }).toArray())).not.toMatch(/Lisbon|iPhone/);

    const task = {
      requestId: 'req_usage',
      subjectId,
      scope: { all: true, categories: [], keep: [] },
      attempt: 1,
      deadlineAt: new Date(Date.now() + 60_000),
      signature: null,
    };
    const result = await service.anonymiseUsage(task);
    expect(result).toMatchObject({
      outcome: 'anonymised',
      counts: { [`mongodb:${USAGE_RECORDS}`]: 3 },
      verifiedEmpty: true,
      evidence: {
        recordsAnonymised: 3,
        policyClause: 'anonymousData',
        method: expect.stringContaining('random id'),
      },
    });
    // Nothing names the subject any more, and no kept record carries an id another store or log has.
    expect(await usage.countDocuments({ subjectId })).toBe(0);
    const kept = await usage.find({ anonymous: true, week: new Date(weekOf(at.getTime())) }).toArray();
    const mine = kept; // this test's database: only its own subjects' records
    expect(mine.map((r) => Object.keys(r).sort())).toEqual(
      Array(3).fill(['_id', 'anonymous', 'feature', 'platform', 'week']),
    );
    expect(mine.map((r) => [String(r.feature), String(r.platform)]).sort()).toEqual([
      ['meeting-scheduled', 'ios'],
      ['meeting-scheduled', 'web'],
      ['summary-generated', 'null'],
    ]);
    const everything = JSON.stringify(await usage.find({}).toArray());
    expect(everything).not.toContain(subjectId);
    for (const { eventId } of emitted) expect(everything).not.toContain(eventId);
    // The other subject is untouched; a second run finds nothing to do.
    expect(await usage.countDocuments({ subjectId: other })).toBe(1);
    expect(await service.anonymiseUsage(task)).toMatchObject({ outcome: 'not-found', verifiedEmpty: true });
    expect(await usage.countDocuments({ anonymous: true, week: new Date(weekOf(at.getTime())) })).toBe(
      kept.length,
    );
  });

  it('folds each kind of event like the matching HTTP command; personal fields travel sealed', async () => {
    const { subjectId, eventId } = await client.signedUp(
      { email: 'grace@example.com', name: 'Grace Hopper', timezone: 'America/New_York' },
      { correlationId: 'billing-signup-1' },
    );
    await eventually(
      async () => (await profile(subjectId))?.status === 'active' || undefined,
      20_000,
      'the account',
    );
    expect(await profile(subjectId)).toMatchObject({
      email: 'grace@example.com',
      name: 'Grace Hopper',
      phone: null,
      timezone: 'America/New_York',
    });

    await client.profileChanged(subjectId, { name: 'Rear Admiral Grace Hopper', phone: '+1 555 0100' });
    await client.activitySeen(subjectId, { channel: 'billing', at: new Date(Date.now() - 3 * 86_400_000) });
    await client.deactivated(subjectId, { reason: 'card expired' });
    const deletion = await client.deletionRequested(subjectId, {
      reason: 'user-request',
      regulation: 'GDPR',
    });
    // Five ingest records folded in order: under the full suite on two cores this took over 20 s once.
    await eventually(
      async () => ((await profile(subjectId))?.deletionRequestId ? true : undefined),
      45_000, // within the test's own 60 s
      'the deletion request',
    );
    expect(await profile(subjectId)).toMatchObject({
      name: 'Rear Admiral Grace Hopper',
      phone: '+1 555 0100',
      status: 'deactivated',
      lastActiveDay: new Date().toISOString().slice(0, 10), // an older day does not move it back
    });

    // The account log: the same events as the HTTP path, caused by the ingest events.
    await createOutboxRelay({
      store: service.streams,
      send: kafka.send,
      logger: testLogger(),
    }).flush();
    const events = (await readAllEvents(kafka, codec, topicName(ACCOUNT_EVENTS_TOPIC))).filter(
      (event) => event.envelope.subjectId === subjectId,
    );
    expect(events.map((event) => event.envelope.type)).toEqual([
      'AccountCreated',
      'AccountActivityRecorded',
      'AccountProfileUpdated',
      'AccountDeactivated',
      'AccountDeletionRequested',
    ]);
    expect(events[0]!.envelope).toMatchObject({ causationId: eventId, correlationId: 'billing-signup-1' });
    const requested = events[4]!;
    expect(isEventOfType(requested, 'AccountDeletionRequested') && requested.data).toMatchObject({
      reason: 'user-request',
      regulation: 'GDPR',
    });
    expect(requested.envelope.causationId).toBe(deletion.eventId);

    // On the ingest topic the personal values are ciphertext; the key is the opaque subject id.
    const onIngest = (await readAllRecords(kafka, ingestTopic)).filter(
      (r) => r.key?.toString() === subjectId,
    );
    expect(onIngest).toHaveLength(5);
    for (const record of onIngest) {
      const text = record.value!.toString('latin1');
      for (const secret of ['grace@example.com', 'Grace Hopper', '555 0100', 'America/New_York'])
        expect(text).not.toContain(secret);
    }
  });

  it('dead-letters what it cannot fold, with the reason and without the value; nothing after it is lost', async () => {
    const subjectId = `sub_${randomUUID().replace(/-/g, '')}`;
    const sealedFor = (key: string, eventId: string, field: string, value: string) =>
      sealFieldTo(
        sealingPublicKeyFrom(key),
        { subjectId, context: ACCOUNT_INGEST_TOPIC, recordId: eventId, field },
        value,
      );
    const signUp = (key: string, email: string, eventId = randomUUID()) =>
      makeEvent(
        'SignedUp',
        { eventId, subjectId, correlationId: eventId, producer: 'crm', occurredAt: Date.now() },
        {
          email: sealedFor(key, eventId, 'email', email),
          name: sealedFor(key, eventId, 'name', 'Alan Turing'),
          phone: null,
          timezone: null,
        },
      );

    await raw.publish([{ event: signUp(sealing.publicKey, 'not-an-email') }]); // breaks a rule
    await raw.publish([{ event: signUp(generateSealingKeys().publicKey, 'alan@example.com') }]); // wrong key
    await kafka.send([{ topic: ingestTopic, key: subjectId, value: Buffer.from('garbage') }]);
    await client.profileChanged(`sub_${randomUUID().replace(/-/g, '')}`, { name: 'Nobody' }); // unknown subject
    const good = signUp(sealing.publicKey, 'alan@example.com');
    await raw.publish([{ event: good }, { event: good }]); // the same record twice: one account, no dead letter

    await eventually(
      async () => ((await profile(subjectId))?.email === 'alan@example.com' ? true : undefined),
      20_000,
      'the good sign-up',
    );
    const dead = await eventually(
      async () => {
        const letters = await deadLetters();
        return letters.length >= 4 ? letters : undefined;
      },
      20_000,
      'four dead letters',
    );
    expect(dead.map((letter) => letter.cause.split(':')[0]).sort()).toEqual([
      'ACCOUNT_NOT_FOUND',
      'EVENTS_NOT_WIRE_FORMAT',
      'INGEST_INVALID',
      'INGEST_SEAL_INVALID',
    ]);
    expect(dead.find((letter) => letter.cause.startsWith('INGEST_INVALID'))!.cause).toMatch(/email/);
    for (const letter of dead) expect(letter.cause).not.toMatch(/not-an-email|alan@example\.com|Nobody/);
    // The dead letter keeps the original bytes, so a fixed consumer can replay it.
    expect(dead.find((letter) => letter.cause.startsWith('EVENTS_NOT_WIRE_FORMAT'))!.value.toString()).toBe(
      'garbage',
    );

    await createOutboxRelay({
      store: service.streams,
      send: kafka.send,
      logger: testLogger(),
    }).flush();
    const created = (await readAllEvents(kafka, codec, topicName(ACCOUNT_EVENTS_TOPIC))).filter(
      (event) => event.envelope.subjectId === subjectId && event.envelope.type === 'AccountCreated',
    );
    expect(created).toHaveLength(1);
  });

  it('opens the pre-HPKE format until the transition ends, then dead-letters it as retired', async () => {
    const legacySignUp = (subjectId: string, email: string) => {
      const eventId = randomUUID();
      const sealed = (field: string, value: string) =>
        sealToLegacyV1(
          sealingPublicKeyFrom(sealing.publicKey),
          Buffer.from(value),
          fieldAssociatedData({ subjectId, context: ACCOUNT_INGEST_TOPIC, recordId: eventId, field }),
        );
      return makeEvent(
        'SignedUp',
        { eventId, subjectId, correlationId: eventId, producer: 'crm', occurredAt: Date.now() },
        { email: sealed('email', email), name: sealed('name', 'Ada'), phone: null, timezone: null },
      );
    };
    const during = `sub_${randomUUID().replace(/-/g, '')}`;
    const after = `sub_${randomUUID().replace(/-/g, '')}`;
    const hpke = `sub_${randomUUID().replace(/-/g, '')}`;

    await raw.publish([{ event: legacySignUp(during, 'during@example.com') }]);
    await eventually(
      async () => ((await profile(during))?.email === 'during@example.com' ? true : undefined),
      20_000,
      'the version-1 sign-up during the transition',
    );

    clockShift = 2 * 3_600_000;
    try {
      await raw.publish([{ event: legacySignUp(after, 'after@example.com') }]);
      await client.signedUp({ subjectId: hpke, email: 'hpke@example.com', name: 'Ada' });
      await eventually(
        async () => ((await profile(hpke))?.email === 'hpke@example.com' ? true : undefined),
        20_000,
        'the HPKE sign-up after the transition',
      );
      const retired = await eventually(
        async () => (await deadLetters()).find((letter) => letter.key === after),
        20_000,
        'the version-1 sign-up after the transition, dead-lettered',
      );
      expect(retired.cause).toMatch(/^INGEST_SEAL_INVALID: .*CRYPTO_FORMAT_RETIRED/);
      expect(retired.cause).not.toMatch(/after@example\.com/);
      expect(await profile(after)).toBeUndefined();
    } finally {
      clockShift = 0;
    }
  });
});
