import { randomBytes, randomUUID } from 'node:crypto';

import { GENESIS_HASH, LEDGER_TOPIC, renderHtmlReport } from '@lethe/audit-ledger';
import type { KafkaAdmin, KafkaClient } from '@lethe/kafka';

import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import { privateKeyFrom, publicKeyFrom } from '@lethe/service-kit';
import { bearer, createPrefixedTopics, eventually, testLogger, type TestScope } from '@lethe/test-harness';

import { openLedgerScope, testLedgerKeys, verifyScope } from '../test/ledger-fixture';
import { startAuditService, type AuditService } from './service';

const auth = testLedgerKeys();
const ledgerKeys = testLedgerKeys();
const DAY = 86_400_000;

describe('the audit ledger and its verification, on the real broker', () => {
  let scope: TestScope;
  const topicName = (logical: string) => scope.topicName(logical);
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let codec: EventCodec;
  let audit: AuditService;
  const published: LetheEvent[] = [];

  const send = async (event: LetheEvent, copies = 1) => {
    const value = await codec.encode(event);
    const topic = topicName(topicOfEvent(event));
    for (let i = 0; i < copies; i += 1) await kafka.send([{ topic, key: event.envelope.subjectId, value }]);
    published.push(event);
  };
  const topicOfEvent = (event: LetheEvent) =>
    event.envelope.type.startsWith('Erasure') ? 'lethe.erasure.events.v1' : 'lethe.account.events.v1';
  const envelope = (subjectId: string, occurredAt: number) => ({
    subjectId,
    correlationId: 'test',
    producer: 'test',
    occurredAt,
  });
  const request = (subjectId: string, requestId: string, requestedAt: number) =>
    makeEvent('ErasureRequested', envelope(subjectId, requestedAt), {
      requestId,
      scope: { all: true, categories: [], keep: [] },
      reason: 'user-request',
      regulation: 'GDPR',
      requestedAt,
      dueAt: requestedAt + 30 * DAY,
    });
  const completed = (subjectId: string, requestId: string, at: number) =>
    makeEvent('ErasureCompleted', envelope(subjectId, at), {
      requestId,
      result: 'complete',
      outcomes: [],
      certificate: { json: '{}', digest: 'sha256:x' },
    });
  const verify = (overrides: { topicName?: (logical: string) => string; now?: Date } = {}) =>
    verifyScope(scope, ledgerKeys.publicKey, overrides);

  beforeAll(async () => {
    scope = await openLedgerScope('audit');
    ({ kafka, admin, codec } = scope);
    audit = await startAuditService({
      db: scope.db,
      kafka,
      codec,
      logger: testLogger(),
      publicKeys: [publicKeyFrom(auth.publicKey)],
      signingKey: privateKeyFrom(ledgerKeys.privateKey),
      checkpointEvery: 5,
      checkpointIdleMs: 0, // the counts below are of the every-5 checkpoints
      topicName,
    });
  });
  afterAll(async () => {
    await audit.stop();
    await scope.close();
  });

  it('ledgers every event once, signs checkpoints, and verifies from offset 0', async () => {
    const now = Date.now();
    for (let i = 0; i < 8; i += 1)
      await send(
        makeEvent('AccountCreated', envelope(`sub_${i}`, now), {
          email: randomBytes(24),
          name: randomBytes(24),
          phone: null,
          timezone: null,
          source: 'http',
        }),
        i === 3 ? 2 : 1, // one published twice by an outbox: the same bytes, one entry
      );
    await send(request('sub_1', 'req_ok', now));
    await send(completed('sub_1', 'req_ok', now + 1000));
    await send(request('sub_2', 'req_open', now)); // not due yet: open, not a problem
    await eventually(
      async () => (audit.writer.head()?.seq === 11 ? true : undefined),
      30_000,
      'eleven entries',
    );

    const report = await verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.ledger).toEqual({ entries: 11, checkpoints: 2, lastSeq: 11 });
    expect(report.requests.map((r) => [r.requestId, r.status])).toEqual([
      ['req_ok', 'completed'],
      ['req_open', 'open'],
    ]);
    const timeline = await audit.app.inject({
      url: '/v1/erasure-requests/req_ok/timeline',
      headers: bearer(auth.privateKey, ['auditor']),
    });
    expect(timeline.json<{ events: { type: string }[] }>().events.map((e) => e.type)).toEqual([
      'ErasureRequested',
      'ErasureCompleted',
    ]);
    expect(renderHtmlReport(report)).toContain('PASS');
  });

  it('reports a request without completion past its deadline, one completed late, one completed twice', async () => {
    const longAgo = Date.now() - 60 * DAY;
    await send(request('sub_5', 'req_overdue', longAgo));
    await send(request('sub_6', 'req_late', longAgo));
    await send(completed('sub_6', 'req_late', longAgo + 31 * DAY));
    await send(request('sub_7', 'req_twice', Date.now()));
    await send(completed('sub_7', 'req_twice', Date.now())); // two completions, each its own id
    await send(completed('sub_7', 'req_twice', Date.now()));
    await eventually(async () => (audit.writer.head()?.seq === 17 ? true : undefined), 30_000, '17 entries');
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'request-overdue', position: 'request req_overdue' }),
        expect.objectContaining({
          kind: 'request-completed-late',
          detail: expect.stringContaining('req_late'),
        }),
        expect.objectContaining({
          kind: 'request-completed-twice',
          detail: expect.stringContaining('req_twice'),
        }),
      ]),
    );
    expect(report.problems).toHaveLength(3);
  });

  it('names the position of a forged record, a rewritten ledger entry, and a deleted one', async () => {
    const before = await verify();
    const known = new Set(before.problems.map((p) => p.position));
    // A forged copy of an event: same event id, other bytes.
    const original = published.find((e) => e.envelope.type === 'AccountCreated')!;
    const forged = {
      ...original,
      data: { ...(original.data as object), email: randomBytes(24) },
    } as LetheEvent;
    await kafka.send([
      { topic: topicName('lethe.account.events.v1'), key: 'x', value: await codec.encode(forged) },
    ]);
    await eventually(
      async () => {
        const report = await verify();
        return report.problems.some((p) => p.kind === 'record-forged') ? report : undefined;
      },
      30_000,
      'the forged copy to be reported',
    );
    const forgedProblem = (await verify()).problems.find((p) => p.kind === 'record-forged')!;
    expect(forgedProblem.position).toMatch(new RegExp(`^${topicName('lethe.account.events.v1')}/\\d@\\d+$`));
    expect(known.has(forgedProblem.position)).toBe(false);

    // A copy of the ledger with one entry left out: the chain breaks right there.
    const copy = topicName(`ledger-copy-${randomUUID().slice(0, 8)}`);
    await createPrefixedTopics(admin, (logical) => logical, [copy], 1);
    const values: Buffer[] = [];
    await kafka.readTopic(topicName(LEDGER_TOPIC), async (r) => void values.push(r.value!), {
      transactional: true,
    });
    await kafka.send(values.filter((_, i) => i !== 2).map((value) => ({ topic: copy, key: null, value })));
    const deleted = await verify({
      topicName: (logical) => (logical === LEDGER_TOPIC ? copy : topicName(logical)),
    });
    expect(deleted.problems).toContainEqual(
      expect.objectContaining({
        kind: 'ledger-chain-broken',
        position: `${copy}/0@2 seq 4`,
        detail: 'expected seq 3',
      }),
    );

    // A rewritten entry appended to the real ledger: it does not link to the one before.
    const high = (await admin.endOffsets(topicName(LEDGER_TOPIC)))[0]!.high;
    const rewrite = makeEvent('AuditEntry', envelope('x', Date.now()), {
      seq: 999,
      prevHash: GENESIS_HASH,
      eventRef: { topic: 't', partition: 0, offset: 0, eventId: null, type: null },
      eventDigest: 'sha256:0',
      entryHash: 'sha256:0',
    });
    await kafka.send([
      {
        topic: topicName(LEDGER_TOPIC),
        key: null,
        value: await codec.encode({
          ...rewrite,
          envelope: { ...rewrite.envelope, subjectId: null },
        }),
      },
    ]);
    const rewritten = await verify();
    expect(rewritten.problems).toContainEqual(
      expect.objectContaining({
        kind: 'ledger-chain-broken',
        position: `${topicName(LEDGER_TOPIC)}/0@${high} seq 999`,
      }),
    );
  });
});
