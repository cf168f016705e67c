import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';

import type { VerifyReport } from '@lethe/audit-ledger';
import { s3ClientFromEnv } from '@lethe/participant-s3';

import { eventually } from './isolation';
import { describeOnLocalStack, fetchLocal, lethe, letheUp, operatorAuthorization } from './local-stack';
import { localPrincipalEnv } from './servers';

// The README's first command, as a user runs it: `./lethe up` brings the whole local system up
// (each service as its own principal, under the ACL matrix, over TLS), and it takes a deletion
// to its certificate. Everything else in the suite runs services as `admin`; this is where a
// grant missing from the matrix, or a service that cannot reach a secured server, shows.

describeOnLocalStack('the local system from ./lethe up', () => {
  let authorization: string;

  beforeAll(() => {
    letheUp();
    authorization = operatorAuthorization('local-system-test');
  }, 300_000);

  it('erases an account through every participant, each service as its own principal', async () => {
    const headers = { authorization, 'content-type': 'application/json' };
    const created = await fetchLocal('https://127.0.0.1:3001/v1/accounts', {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: 'local-system@example.com', name: 'Local System' }),
    });
    expect(created.status).toBe(201);
    const { subjectId } = (await created.json()) as { subjectId: string };
    const read = await fetchLocal(`https://127.0.0.1:3001/v1/accounts/${subjectId}`, {
      headers: { authorization, 'lethe-purpose': 'support-ticket' },
    });
    expect(read.status).toBe(200);
    // What a product service keeps in the local bucket: an upload, in two versions, and an export.
    const s3 = s3ClientFromEnv({ ...process.env, ...localPrincipalEnv('admin') });
    const prefix = `subjects/${subjectId}/`;
    for (const [key, body] of [
      ['avatar.png', 'v1'],
      ['avatar.png', 'v2'],
      ['exports/all.json', '{"name":"Local System"}'],
    ] as const)
      await s3.send(new PutObjectCommand({ Bucket: 'lethe-objects', Key: `${prefix}${key}`, Body: body }));
    const deleted = await fetchLocal(`https://127.0.0.1:3001/v1/accounts/${subjectId}`, {
      method: 'DELETE',
      headers: { authorization },
    });
    expect(deleted.status).toBe(202);
    const { requestId } = (await deleted.json()) as { requestId: string };

    const request = await eventually(
      async () => {
        const answer = await fetchLocal(`https://127.0.0.1:3004/v1/erasure-requests/${requestId}`, {
          headers: { authorization },
        });
        const body = (await answer.json()) as {
          status: string;
          result: string;
          outcomes: { participantId: string; outcome: string }[];
          receipt: { href: string };
        };
        return body.status === 'completed' ? body : undefined;
      },
      60_000,
      'the erasure to complete',
    );
    expect(request.result).toBe('complete');
    const answered = new Map(request.outcomes.map((o) => [o.participantId, o.outcome]));
    expect(answered.get('account')).toBe('erased');
    expect(answered.get('key-vault')).toBe('erased');
    expect([...answered.keys()]).toEqual(expect.arrayContaining(['consent', 'redis-cache', 'llm-providers']));
    // The bucket: every version under the subject's prefix is gone.
    expect(answered.get('object-store')).toBe('erased');
    expect(answered.get('usage-analytics')).toBe('not-found'); // no usage was emitted for it
    const left = await s3.send(new ListObjectVersionsCommand({ Bucket: 'lethe-objects', Prefix: prefix }));
    expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);
    s3.destroy();

    // The completed request links to its receipt at the audit service, which proves it offline
    // once a signed tree head covers the completion (the writer signs one when idle for 5 s).
    expect(request.receipt.href).toBe(`https://127.0.0.1:3005/v1/erasure-requests/${requestId}/receipt`);
    const receipt = await eventually(
      async () => {
        const answer = await fetchLocal(request.receipt.href, { headers: { authorization } });
        return answer.status === 200 ? await answer.text() : undefined;
      },
      60_000,
      'the receipt under a signed tree head',
    );
    const receiptFile = path.join(mkdtempSync(path.join(tmpdir(), 'lethe-receipt-')), 'receipt.json');
    writeFileSync(receiptFile, receipt);
    const checked = lethe('audit', 'check-receipt', receiptFile);
    expect([checked.status, checked.stdout]).toEqual([
      0,
      expect.stringContaining(`PASS: erasure ${requestId} completed`),
    ]);

    // The profile read is on the ledger with its reader, and the verifier lists it.
    const reportFile = path.join(mkdtempSync(path.join(tmpdir(), 'lethe-verify-')), 'report.json');
    const reads = await eventually(
      async () => {
        lethe('audit', 'verify', '--json', reportFile);
        const report = JSON.parse(readFileSync(reportFile, 'utf8')) as VerifyReport;
        const recorded = report.reads.find((subject) => subject.subjectId === subjectId)?.reads ?? [];
        const unledgered = report.problems.filter((p) => recorded.some((r) => p.position === r.position));
        return recorded.length > 0 && unledgered.length === 0 ? recorded : undefined;
      },
      60_000,
      'the read on the ledger',
    );
    expect(reads).toEqual([
      expect.objectContaining({
        actor: 'local-system-test',
        actorScopes: ['operator'],
        service: 'account',
        operation: 'GET /v1/accounts/:subjectId',
        purpose: 'support-ticket',
      }),
    ]);
  });

  it('serves HTTPS only: a plain HTTP request to a service gets no answer', async () => {
    for (const port of [3001, 3002, 3003, 3004, 3005]) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      expect((await fetchLocal(`https://127.0.0.1:${port}/healthz`)).status).toBe(200);
    }
  });
});
