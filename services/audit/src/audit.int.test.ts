import { execFile, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  checkConsistency,
  checkReceipt,
  erasureCertificate,
  GENESIS_HASH,
  latestTreeHead,
  proveConsistency,
  type CertifiedRequest,
  type SignedTreeHead,
  LEDGER_TOPIC,
  proveErasure,
  renderHtmlReport,
  signCheckpoint,
} from '@lethe/audit-ledger';
import type { KafkaAdmin, KafkaClient } from '@lethe/kafka';

import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import { privateKeyFrom, publicKeyFrom } from '@lethe/service-kit';
import {
  bearer,
  createPrefixedTopics,
  eventually,
  pythonWith,
  readAllRecords,
  serversEnv,
  testLogger,
  type TestScope,
} from '@lethe/test-harness';

import { openLedgerScope, testLedgerKeys, verifyScope } from '../test/ledger-fixture';
import { startAuditService, type AuditService } from './service';

const auth = testLedgerKeys();
const ledgerKeys = testLedgerKeys();
const DAY = 86_400_000;
const VERIFY_PY = path.resolve(__dirname, '..', '..', '..', 'tools', 'verify-py', 'verify_ledger.py');
const VERIFY_PY_REQUIREMENTS = path.join(path.dirname(VERIFY_PY), 'requirements.txt');
const CLI = path.resolve(__dirname, '..', '..', '..', 'packages', 'cli', 'src', 'main.ts');

describe('the audit ledger and its verification, on the real broker', () => {
  let scope: TestScope;
  const topicName = (logical: string) => scope.topicName(logical);
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let codec: EventCodec;
  let audit: AuditService;
  const published: LetheEvent[] = [];
  /** The tree head of the receipt an auditor received: what later heads must extend. */
  let keptHead: SignedTreeHead;
  /** `lethe ...` as an auditor runs it, on this test's topics; asynchronous, as the audit service runs here. */
  const lethe = (...args: string[]) =>
    new Promise<{ status: number | null; out: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--conditions=lethe-source', '--import', 'tsx', CLI, ...args],
        {
          encoding: 'utf8',
          env: { ...process.env, ...serversEnv(scope.prefix), LETHE_AUDIT_PUBLIC_KEY: ledgerKeys.publicKey },
          timeout: 120_000,
        },
        (error, stdout) =>
          resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, out: stdout }),
      );
    });

  const send = async (event: LetheEvent, copies = 1) => {
    const value = await codec.encode(event);
    const topic = topicName(topicOfEvent(event));
    for (let i = 0; i < copies; i += 1) await kafka.send([{ topic, key: event.envelope.subjectId, value }]);
    published.push(event);
  };
  const topicOfEvent = (event: LetheEvent) =>
    event.envelope.type.startsWith('Erasure')
      ? 'lethe.erasure.events.v1'
      : event.envelope.type.startsWith('LegalHold')
        ? 'lethe.retention.events.v1'
        : 'lethe.account.events.v1';
  const envelope = (subjectId: string, occurredAt: number) => ({
    subjectId,
    correlationId: 'test',
    producer: 'test',
    occurredAt,
  });
  /** Each request's ErasureRequested data: what its completion's certificate states. */
  const requests = new Map<string, CertifiedRequest>();
  const request = (subjectId: string, requestId: string, requestedAt: number) => {
    const data = {
      requestId,
      scope: { all: true, categories: [], keep: [] },
      reason: 'user-request',
      regulation: 'GDPR',
      requestedAt,
      dueAt: requestedAt + 30 * DAY,
    };
    requests.set(requestId, { ...data, subjectId });
    return makeEvent('ErasureRequested', envelope(subjectId, requestedAt), data);
  };
  /** A completion with the certificate the erasure service would make for it. */
  const completed = (subjectId: string, requestId: string, at: number) =>
    makeEvent('ErasureCompleted', envelope(subjectId, at), {
      requestId,
      result: 'complete',
      outcomes: [],
      certificate: erasureCertificate(requests.get(requestId)!, 'complete', [], at),
    });
  const verify = (overrides: { topicName?: (logical: string) => string; now?: Date } = {}) =>
    verifyScope(scope, ledgerKeys.publicKey, overrides);
  /** The independent verifier (tools/verify-py, written from docs/ledger-format.md) on the same log. */
  const verifyInPython = () => {
    const run = spawnSync(pythonWith(VERIFY_PY_REQUIREMENTS), [VERIFY_PY], {
      env: { ...serversEnv(scope.prefix), LETHE_AUDIT_PUBLIC_KEY: ledgerKeys.publicKey },
      encoding: 'utf8',
      // It reads every topic of the scope partition by partition: minutes on a busy machine.
      timeout: 240_000,
    });
    if (run.status !== 0 && run.status !== 1)
      throw new Error(
        `verify-py failed (status ${run.status}, signal ${run.signal}, ${run.error?.message ?? 'no spawn error'}): ${run.stderr}`,
      );
    return JSON.parse(run.stdout) as { ok: boolean; problems: { kind: string; position: string }[] };
  };

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
    expect(verifyInPython()).toMatchObject({ ok: true, problems: [] });
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
  }, 600_000);

  it('gives a receipt of a completed erasure that checks offline with the public key alone', async () => {
    const receipt = await proveErasure({ kafka, codec, requestId: 'req_ok', topicName });
    expect(receipt).toBeDefined();
    expect(receipt!.entry.eventRef.type).toBe('ErasureCompleted');
    expect(receipt!.treeHead.size).toBeGreaterThanOrEqual(receipt!.entry.seq);
    expect(checkReceipt(receipt!, publicKeyFrom(ledgerKeys.publicKey))).toEqual([]);
    keptHead = receipt!.treeHead;
    // The audit service serves the same receipt to an auditor; none for an open request.
    const served = await audit.app.inject({
      url: '/v1/erasure-requests/req_ok/receipt',
      headers: bearer(auth.privateKey, ['auditor']),
    });
    expect(checkReceipt(served.json(), publicKeyFrom(ledgerKeys.publicKey))).toEqual([]);
    const open = await audit.app.inject({
      url: '/v1/erasure-requests/req_open/receipt',
      headers: bearer(auth.privateKey, ['auditor']),
    });
    expect([open.statusCode, open.json<{ code: string }>().code]).toEqual([404, 'AUDIT_RECEIPT_UNAVAILABLE']);
    // The subject whose erasure it proves gets it too (the portal's download; this time from the
    // receipt kept at the first ask); another subject learns nothing of it.
    const own = await audit.app.inject({
      url: '/v1/erasure-requests/req_ok/receipt',
      headers: bearer(auth.privateKey, ['subject'], 'sub_1'),
    });
    expect(own.json()).toEqual(served.json());
    const another = await audit.app.inject({
      url: '/v1/erasure-requests/req_ok/receipt',
      headers: bearer(auth.privateKey, ['subject'], 'sub_2'),
    });
    expect([another.statusCode, another.json<{ code: string }>().code]).toEqual([
      404,
      'AUDIT_RECEIPT_UNAVAILABLE',
    ]);
    expect(await scope.db.collection('receipts').countDocuments({ _id: 'req_ok' as never })).toBe(1);
    // Signed by another key, or with the record changed: it proves nothing.
    expect(checkReceipt(receipt!, publicKeyFrom(testLedgerKeys().publicKey))).toEqual([
      'the tree head is not signed by this key',
    ]);
    const value = Buffer.from(receipt!.record.value, 'base64');
    value[value.length - 1] = value[value.length - 1]! ^ 1;
    expect(
      checkReceipt(
        { ...receipt!, record: { ...receipt!.record, value: value.toString('base64') } },
        publicKeyFrom(ledgerKeys.publicKey),
      ),
    ).toContain('the record is not the one the ledger entry digests');
    expect(await proveErasure({ kafka, codec, requestId: 'req_open', topicName })).toBeUndefined();

    // The independent verifier checks the same receipt from docs/ledger-format.md alone.
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lethe-receipt-')), 'receipt.json');
    const checkInPython = (candidate: unknown) => {
      writeFileSync(file, JSON.stringify(candidate));
      const run = spawnSync(pythonWith(VERIFY_PY_REQUIREMENTS), [VERIFY_PY, '--receipt', file], {
        env: { PATH: process.env.PATH, LETHE_AUDIT_PUBLIC_KEY: ledgerKeys.publicKey },
        encoding: 'utf8',
      });
      return JSON.parse(run.stdout) as { ok: boolean; problems: string[] };
    };
    expect(checkInPython(receipt)).toEqual({ ok: true, problems: [] });
    const tampered = checkInPython({
      ...receipt!,
      record: { ...receipt!.record, value: value.toString('base64') },
    });
    expect(tampered.ok).toBe(false);
    expect(tampered.problems).toContain('the record is not the one the ledger entry digests');
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

  it('fails a forged key-vault task for a subject under a legal hold, at the forged records', async () => {
    const seq = audit.writer.head()!.seq;
    const held = `sub_held_${randomUUID().slice(0, 8)}`;
    const requestId = `req_forged_${randomUUID().slice(0, 8)}`;
    const now = Date.now();
    await send(
      makeEvent('LegalHoldPlaced', envelope(held, now), {
        holdId: `hold_${randomUUID().slice(0, 8)}`,
        reference: null,
        reason: null,
        sealedReference: null,
        sealedReason: null,
        placedBy: 'counsel',
        until: null,
      }),
    );
    // Written by a principal that may write the erasure topics: the ledger records it faithfully.
    const task = makeEvent('ErasureTaskIssued', envelope(held, now + 1), {
      requestId,
      participantId: 'key-vault',
      attempt: 1,
      phase: 2,
      scope: { all: true, categories: [], keep: [] },
      deadlineAt: now + DAY,
      signature: null,
    });
    const answer = makeEvent('ErasureTaskCompleted', envelope(held, now + 2), {
      requestId,
      participantId: 'key-vault',
      attempt: 1,
      outcome: 'erased',
      counts: { 'mongodb:subject_keys': 1 },
      verifiedEmpty: true,
      evidenceDigest: 'sha256:0',
      retainedUntil: null,
    });
    await send(task);
    await send(answer);
    await eventually(
      async () => (audit.writer.head()?.seq === seq + 3 ? true : undefined),
      30_000,
      'three entries',
    );

    const erasureTopic = topicName('lethe.erasure.events.v1');
    const positions = new Map<string, string>();
    for (const record of await readAllRecords(kafka, erasureTopic)) {
      const { event } = await codec.decode(record.value!);
      positions.set(event.envelope.eventId, `${erasureTopic}/${record.partition}@${record.offset}`);
    }
    const report = await verify();
    expect(report.ok).toBe(false);
    const ofForgery = report.problems
      .filter((p) => p.detail.includes(requestId))
      .map((p) => [p.kind, p.position]);
    expect(ofForgery).toEqual([
      ['request-never-requested', positions.get(task.envelope.eventId)],
      ['request-never-requested', positions.get(answer.envelope.eventId)],
      ['answer-from-unplanned-participant', positions.get(answer.envelope.eventId)],
      ['erased-under-legal-hold', positions.get(answer.envelope.eventId)],
      ['key-destroyed-without-whole-account-request', positions.get(answer.envelope.eventId)],
    ]);
    expect(renderHtmlReport(report)).toContain('FAIL');
    // The independent verifier fails the same records for the same reasons.
    const python = verifyInPython();
    expect({ ...python, problems: python.problems.length }).toMatchObject({ ok: false });
    expect(
      python.problems
        .filter(
          (p) =>
            p.position === positions.get(task.envelope.eventId) ||
            p.position === positions.get(answer.envelope.eventId),
        )
        .map((p) => [p.kind, p.position]),
    ).toEqual(ofForgery);
  }, 600_000);

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

  it('proves, from a receipt kept earlier, that the ledger only grew since (lethe audit prove-consistency)', async () => {
    const newest = (await latestTreeHead({ kafka, codec, topicName }))!;
    expect(newest.size).toBeGreaterThan(keptHead.size);
    const dir = mkdtempSync(path.join(tmpdir(), 'lethe-consistency-'));
    const head = await lethe('audit', 'head', '--out', path.join(dir, 'head.json'));
    expect(head.status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'head.json'), 'utf8'))).toEqual(newest);
    writeFileSync(path.join(dir, 'kept.json'), JSON.stringify({ treeHead: keptHead }));
    const proved = await lethe(
      'audit',
      'prove-consistency',
      path.join(dir, 'kept.json'),
      '--out',
      path.join(dir, 'proof.json'),
    );
    expect(proved.status).toBe(0);
    const checked = await lethe('audit', 'check-consistency', path.join(dir, 'proof.json'));
    expect(checked.out).toContain(`PASS: the ledger of ${newest.size} entries`);
    expect(checked.status).toBe(0);
    // The independent verifier, from docs/ledger-format.md alone, agrees.
    const checkInPython = (file: string) => {
      const run = spawnSync(pythonWith(VERIFY_PY_REQUIREMENTS), [VERIFY_PY, '--consistency', file], {
        env: { PATH: process.env.PATH, LETHE_AUDIT_PUBLIC_KEY: ledgerKeys.publicKey },
        encoding: 'utf8',
      });
      return JSON.parse(run.stdout) as { ok: boolean; problems: string[] };
    };
    expect(checkInPython(path.join(dir, 'proof.json'))).toEqual({ ok: true, problems: [] });
    // One hash of the proof changed: it no longer shows growth.
    const proof = JSON.parse(readFileSync(path.join(dir, 'proof.json'), 'utf8')) as { proof: string[] };
    proof.proof[0] = proof.proof[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    writeFileSync(path.join(dir, 'altered.json'), JSON.stringify(proof));
    const altered = await lethe('audit', 'check-consistency', path.join(dir, 'altered.json'));
    expect([altered.status, altered.out]).toEqual([
      1,
      'FAIL: the proof does not show the newer tree extends the older: entries were changed or removed\n',
    ]);
    expect(checkInPython(path.join(dir, 'altered.json'))).toEqual({
      ok: false,
      problems: ['the proof does not show the newer tree extends the older'],
    });
  }, 120_000);

  it('reports a signed tree head that is not the tree of the entries before it', async () => {
    const head = audit.writer.head()!;
    const bogus = { size: head.seq, rootHash: `sha256:${'ab'.repeat(32)}` };
    const checkpoint = makeEvent('AuditCheckpoint', envelope('x', Date.now()), {
      seq: head.seq,
      entryHash: head.entryHash,
      signature: signCheckpoint(privateKeyFrom(ledgerKeys.privateKey), head.seq, head.entryHash, bogus),
      keyId: 'test',
      treeSize: bogus.size,
      rootHash: bogus.rootHash,
    });
    const high = (await admin.endOffsets(topicName(LEDGER_TOPIC)))[0]!.high;
    await kafka.send([
      {
        topic: topicName(LEDGER_TOPIC),
        key: null,
        value: await codec.encode({ ...checkpoint, envelope: { ...checkpoint.envelope, subjectId: null } }),
      },
    ]);
    expect((await verify()).problems).toContainEqual({
      kind: 'ledger-checkpoint-invalid',
      position: `${topicName(LEDGER_TOPIC)}/0@${high} seq ${head.seq}`,
      detail: 'the signed tree head is not the Merkle tree of the entries up to it',
    });
    // A head of another tree, signed with the real key: the auditor's kept head catches it too.
    const proof = (await proveConsistency({ kafka, codec, topicName, from: keptHead }))!;
    expect(proof.to.rootHash).toBe(bogus.rootHash);
    expect(checkConsistency(proof, publicKeyFrom(ledgerKeys.publicKey))).toEqual([
      'the proof does not show the newer tree extends the older: entries were changed or removed',
    ]);
  });
});
