import { randomBytes, randomUUID, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { eventually } from './isolation';
import {
  describeOnLocalStack,
  fetchLocal,
  lethe,
  LETHE_HOME,
  LOCAL_CA_FILE,
  openLocalAccount,
  operatorAuthorization,
} from './local-stack';

// Issue 14 point 7: a controller's DSR tool sends OpenDSR 1.0 requests to Lethe's portal (the
// processor), checks every answer's signature against the certificate discovery names, and hears
// each change of state at its callback URL, signed too. The requests are Lethe's own: an
// erasure deletes the account, an access request packages the subject's data.

const PORTAL = 'https://127.0.0.1:3000';
const ACCOUNT = 'https://127.0.0.1:3001';

interface Heard {
  raw: string;
  signature: string;
  domain: string;
}

/** A controller's callback endpoint over HTTPS; it refuses the first completion, as a flaky one would. */
async function callbackServer(): Promise<{
  url: string;
  heard: Heard[];
  refused: () => number;
  close: () => Promise<void>;
}> {
  const heard: Heard[] = [];
  let refused = 0;
  const tls = path.join(LETHE_HOME, 'tls');
  const server: Server = createServer(
    { cert: readFileSync(path.join(tls, 'server.crt')), key: readFileSync(path.join(tls, 'server.key')) },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (refused === 0 && raw.includes('"request_status":"completed"')) {
          refused += 1;
          response.writeHead(503).end();
          return;
        }
        heard.push({
          raw,
          signature: String(request.headers['x-opendsr-signature']),
          domain: String(request.headers['x-opendsr-processor-domain']),
        });
        response.writeHead(200).end();
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/opendsr-callbacks`,
    heard,
    refused: () => refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const tokenForPortal = (scope: string, name: string) =>
  `Bearer ${lethe('token', '--scope', scope, '--name', name, '--aud', 'portal').stdout.trim().split('\n').at(-1)}`;
const controllerToken = (name: string) => tokenForPortal('service', name);

describeOnLocalStack('OpenDSR processor endpoints', () => {
  let certificate: X509Certificate;
  let controller: string;
  let operator: string;

  /** The signature header of an answer or callback is the processor's, over exactly these bytes. */
  const signedByProcessor = (raw: string, signature: string | null) =>
    signature !== null &&
    verify('sha256', Buffer.from(raw), certificate.publicKey, Buffer.from(signature, 'base64'));

  async function call(method: string, url: string, body?: unknown, authorization = controller) {
    const answer = await fetchLocal(`${PORTAL}${url}`, {
      method,
      headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const raw = await answer.text();
    expect(signedByProcessor(raw, answer.headers.get('x-opendsr-signature'))).toBe(true);
    return { status: answer.status, raw, json: JSON.parse(raw) as Record<string, unknown> };
  }

  const openAccount = (name: string) => openLocalAccount(operator, name);

  const request = (type: string, email: string, callbacks: string[] = []) => ({
    subject_request_id: randomUUID(),
    subject_request_type: type,
    regulation: 'gdpr',
    submitted_time: new Date().toISOString(),
    api_version: '1.0',
    subject_identities: [{ identity_type: 'email', identity_value: email, identity_format: 'raw' }],
    status_callback_urls: callbacks,
  });

  const statusOf = async (id: string) => (await call('GET', `/v1/opendsr_requests/${id}`)).json;

  beforeAll(async () => {
    controller = controllerToken('acme-dsr');
    operator = operatorAuthorization('opendsr-e2e');
    const discovery = await fetchLocal(`${PORTAL}/v1/discovery`);
    const described = (await discovery.json()) as Record<string, unknown>;
    expect(described).toMatchObject({
      api_version: '1.0',
      supported_subject_request_types: expect.arrayContaining([
        'erasure',
        'access',
        'portability',
      ]) as unknown,
      supported_identities: expect.arrayContaining([
        { identity_type: 'email', identity_format: 'raw' },
      ]) as unknown,
    });
    const pem = await (await fetchLocal(String(described.processor_certificate))).text();
    certificate = new X509Certificate(pem);
    // Issued by a trusted CA (here the local one), never self-signed (section 4.1).
    const ca = new X509Certificate(readFileSync(LOCAL_CA_FILE));
    expect(certificate.checkIssued(ca)).toBe(true);
    expect(certificate.verify(ca.publicKey)).toBe(true);
    expect(certificate.subject).not.toBe(certificate.issuer);
  });

  it('erases the account a controller names by email, calls back signed at each change, and answers a retry with the same request', async () => {
    const callbacks = await callbackServer();
    try {
      const ada = await openAccount('ada-opendsr');
      const body = request('erasure', ada.email, [callbacks.url]);
      const made = await call('POST', '/v1/opendsr_requests', body);
      expect(made.status).toBe(201);
      expect(made.json).toMatchObject({
        controller_id: 'acme-dsr',
        subject_request_id: body.subject_request_id,
      });
      expect(JSON.parse(Buffer.from(String(made.json.encoded_request), 'base64').toString('utf8'))).toEqual(
        body,
      );
      expect(Date.parse(String(made.json.expected_completion_time))).toBeGreaterThan(Date.now());

      // The same id again (a controller's retry): the same request, not a second erasure.
      const again = await call('POST', '/v1/opengdpr_requests', body);
      expect(again.status).toBe(201);
      expect(again.json.received_time).toBe(made.json.received_time);

      const done = await eventually(
        async () => {
          const status = await statusOf(body.subject_request_id);
          return status.request_status === 'completed' ? status : undefined;
        },
        90_000,
        'the OpenDSR erasure to complete',
      );
      expect(done).toMatchObject({ controller_id: 'acme-dsr', api_version: '1.0' });
      // The account is gone: Lethe's own erasure ran.
      const profile = await fetchLocal(`${ACCOUNT}/v1/accounts/${ada.subjectId}`, {
        headers: { authorization: operator },
      });
      expect([404, 410]).toContain(profile.status);

      // The callback URL refused the completion once and heard it again, signed.
      const completed = await eventually(
        async () =>
          callbacks.heard.find(
            (call) => (JSON.parse(call.raw) as { request_status: string }).request_status === 'completed',
          ),
        30_000,
        'the completed callback',
      );
      expect(callbacks.refused()).toBe(1);
      expect(signedByProcessor(completed.raw, completed.signature)).toBe(true);
      // The domain the certificate is issued to, and the one the controller called.
      expect(completed.domain).toBe('127.0.0.1');
      expect(certificate.checkIP(completed.domain)).toBe('127.0.0.1');
      expect(JSON.parse(completed.raw)).toMatchObject({
        subject_request_id: body.subject_request_id,
        status_callback_url: callbacks.url,
        controller_id: 'acme-dsr',
      });
      const statuses = callbacks.heard.map(
        (call) => (JSON.parse(call.raw) as { request_status: string }).request_status,
      );
      expect(statuses.filter((status) => status === 'completed')).toHaveLength(1);
      // Nothing to cancel once Lethe has acted.
      const cancel = await call('DELETE', `/v1/opendsr_requests/${body.subject_request_id}`);
      expect(cancel.status).toBe(400);
      expect(cancel.json).toMatchObject({ error: { code: 400 } });
    } finally {
      await callbacks.close();
    }
  }, 150_000);

  it("gives a controller the subject's data for an access request, and nothing of another controller's", async () => {
    const bob = await openAccount('bob-opendsr');
    const body = request('access', bob.email);
    expect((await call('POST', '/v1/opendsr_requests', body)).status).toBe(201);
    const done = await eventually(
      async () => {
        const status = await statusOf(body.subject_request_id);
        return status.request_status === 'completed' ? status : undefined;
      },
      90_000,
      'the OpenDSR access request to complete',
    );
    expect(Number(done.results_count)).toBeGreaterThan(0);
    const results = await fetchLocal(String(done.results_url), { headers: { authorization: controller } });
    expect(results.status).toBe(200);
    expect(await results.text()).toContain(bob.email);

    // Another controller cannot read it, by status or by results.
    const other = controllerToken('other-dsr');
    expect(
      (await call('GET', `/v1/opendsr_requests/${body.subject_request_id}`, undefined, other)).status,
    ).toBe(404);
    expect((await fetchLocal(String(done.results_url), { headers: { authorization: other } })).status).toBe(
      404,
    );
  }, 150_000);

  it('refuses what is not a well-formed request from a controller, with the reason and without the identity', async () => {
    const noToken = await fetchLocal(`${PORTAL}/v1/opendsr_requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request('erasure', 'carol@example.com')),
    });
    expect(noToken.status).toBe(401);
    expect(
      (
        await call(
          'POST',
          '/v1/opendsr_requests',
          request('erasure', 'x@example.com'),
          tokenForPortal('operator', 'op'),
        )
      ).status,
    ).toBe(403);
    // A token for the other services only is not one for this processor.
    expect(
      (await call('POST', '/v1/opendsr_requests', request('erasure', 'x@example.com'), operator)).status,
    ).toBe(401);

    const badType = await call('POST', '/v1/opendsr_requests', {
      ...request('erasure', 'carol@example.com'),
      subject_request_type: 'rectification',
    });
    expect(badType.status).toBe(400);
    expect(badType.json).toMatchObject({
      error: { code: 400, message: expect.stringContaining('subject_request_type') as unknown },
    });
    const plainCallback = await call(
      'POST',
      '/v1/opendsr_requests',
      request('erasure', 'carol@example.com', ['http://127.0.0.1/cb']),
    );
    expect(plainCallback.status).toBe(400);
    const hashed = await call('POST', '/v1/opendsr_requests', {
      ...request('erasure', 'x'),
      subject_identities: [
        { identity_type: 'email', identity_value: 'carol@example.com', identity_format: 'sha256' },
      ],
    });
    expect(hashed.status).toBe(400);
    expect(hashed.raw).not.toContain('carol@example.com');

    // An address with no account: nothing is held, so the request is fulfilled at once.
    const nobody = request('erasure', `nobody.${randomBytes(4).toString('hex')}@example.com`);
    expect((await call('POST', '/v1/opendsr_requests', nobody)).status).toBe(201);
    expect(await statusOf(nobody.subject_request_id)).toMatchObject({
      request_status: 'completed',
      results_count: 0,
    });
  });
});
