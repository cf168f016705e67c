import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

import { buildServiceApp } from './app';
import { createServiceMetrics } from './metrics';
import type { PersonalDataAccess } from './personal-data-access';
import { PROBLEM_MEDIA_TYPE, ProblemError } from './problem';
import { signToken, type Scope } from './tokens';
import { createLogger } from '@lethe/logger';
import { generateSigningKeys, privateKeyFrom, publicKeyFrom } from '@lethe/signing-keys';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const keys = generateSigningKeys();
const otherKeys = generateSigningKeys();

function token(scope: Scope[], extra: { subjectId?: string; exp?: number; signer?: string } = {}) {
  return signToken(privateKeyFrom(extra.signer ?? keys.privateKey), {
    sub: 'tester',
    scope,
    ...(extra.subjectId ? { subjectId: extra.subjectId } : {}),
    iss: 'lethe',
    aud: ['test'],
    iat: NOW / 1000,
    exp: extra.exp ?? NOW / 1000 + 600,
  });
}

function buildApp(ready = true, logLines?: string[]) {
  const app = buildServiceApp({
    name: 'test',
    version: '0.1.0',
    logger: logLines
      ? createLogger({
          name: 'test',
          level: 'info',
          destination: { write: (line: string) => logLines.push(line) },
        })
      : createLogger({ name: 'test', level: 'silent' }),
    publicKeys: [publicKeyFrom(keys.publicKey)],
    readiness: { store: async () => ready },
    now: () => NOW,
  });
  app.get(
    '/v1/subjects/:subjectId/things',
    {
      config: { access: { scopes: ['operator', 'subject'], subjectParam: 'subjectId' } },
      schema: {
        summary: 'A subject thing',
        params: { type: 'object', required: ['subjectId'], properties: { subjectId: { type: 'string' } } },
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } },
      },
    },
    async () => ({ ok: true }),
  );
  app.post(
    '/v1/things',
    {
      config: { access: { scopes: ['service'] } },
      schema: {
        body: {
          type: 'object',
          required: ['email'],
          additionalProperties: false,
          properties: { email: { type: 'string', format: 'email' } },
        },
      },
    },
    async (_request, reply) => reply.status(201).send({ created: true }),
  );
  app.put(
    '/v1/subjects/:subjectId/choices',
    {
      config: { access: { scopes: ['operator'] } },
      schema: {
        body: {
          type: 'object',
          required: ['granted'],
          additionalProperties: false,
          properties: { granted: { type: 'boolean' }, name: { type: 'string' } },
        },
      },
    },
    async (request) => ({ stored: request.body }),
  );
  return app;
}

const auth = (value: string) => ({ authorization: `Bearer ${value}` });

describe('the service app', () => {
  it('logs who called which operation, never the query string, and forbids caching the answer', async () => {
    const lines: string[] = [];
    const app = buildApp(true, lines);
    const answer = await app.inject({
      url: '/v1/subjects/sub_1/things?email=lovelace%40example.com',
      headers: auth(token(['operator'])),
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    const logged = lines.join('');
    // A name no hex trace or request id can contain ("ada" once matched a trace id).
    expect(logged).not.toMatch(/lovelace|example\.com|email=/);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({
        route: '/v1/subjects/:subjectId/things',
        path: '/v1/subjects/sub_1/things',
        status: 200,
        caller: 'tester',
      }),
    );
  });

  it('answers health and readiness without a token', async () => {
    const app = buildApp();
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({
      status: 'ready',
      checks: { store: true },
    });
    const notReady = await buildApp(false).inject({ url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ code: 'NOT_READY', detail: 'not ready: store' });
  });

  it('answers readiness in bounded time when a check hangs (a store that never answers)', async () => {
    const app = buildServiceApp({
      name: 'test',
      version: '0.1.0',
      logger: createLogger({ name: 'test', level: 'silent' }),
      publicKeys: [publicKeyFrom(keys.publicKey)],
      readiness: { redis: () => new Promise<boolean>(() => undefined), mongo: async () => true },
      readinessTimeoutMs: 100,
    });
    const answer = await app.inject({ url: '/readyz' });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({
      code: 'NOT_READY',
      detail: 'not ready: redis (no answer within 100 ms)',
    });
  });

  it("takes the caller's X-Request-Id into its logs and answer, and refuses one that is not an id", async () => {
    const lines: string[] = [];
    const app = buildApp(true, lines);
    const sent = await app.inject({ url: '/readyz', headers: { 'x-request-id': 'trace-abc-123' } });
    expect(sent.headers['x-request-id']).toBe('trace-abc-123');
    await app.inject({ url: '/v1/things', method: 'POST', headers: { 'x-request-id': 'abc-456-xyz' } });
    const logged = lines.map((line) => JSON.parse(line) as { reqId?: string; msg: string });
    expect(logged.find((line) => line.msg === 'request completed')?.reqId).toBe('abc-456-xyz');
    const forged = await app.inject({ url: '/readyz', headers: { 'x-request-id': 'bad id\nlevel=60' } });
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves /metrics with every answered request, says why a check fails, and logs no probe', async () => {
    const lines: string[] = [];
    const metrics = createServiceMetrics('test');
    const app = buildServiceApp({
      name: 'test',
      version: '0.1.0',
      logger: createLogger({
        name: 'test',
        level: 'info',
        destination: { write: (line: string) => lines.push(line) },
      }),
      publicKeys: [publicKeyFrom(keys.publicKey)],
      operations: {
        metrics,
        readiness: { consumerGroups: async () => ({ reason: 'lethe.erasure.orchestrator not joined' }) },
      },
    });
    expect((await app.inject({ url: '/livez' })).json()).toEqual({ status: 'ok' });
    const notReady = await app.inject({ url: '/readyz' });
    expect(notReady.json()).toMatchObject({
      detail: 'not ready: consumerGroups (lethe.erasure.orchestrator not joined)',
    });
    expect((await app.inject({ url: '/no/such/thing' })).statusCode).toBe(404);
    const scraped = await app.inject({ url: '/metrics' });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toMatch(
      /lethe_http_request_duration_seconds_count\{service="test",method="GET",route="\/readyz",status="503"\} 1/,
    );
    expect(scraped.body).toMatch(/route="unmatched",status="404"\} 1/);
    expect(scraped.body).not.toContain('/no/such/thing');
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; route?: string | null });
    expect(logged.filter((line) => line.msg === 'request completed').map((line) => line.route)).toEqual([
      null,
    ]);
  });

  it.each([
    ['no token', {}, 401, 'AUTH_TOKEN_MISSING'],
    [
      'a token from an untrusted key',
      auth(token(['operator'], { signer: otherKeys.privateKey })),
      401,
      'AUTH_TOKEN_INVALID',
    ],
    ['an expired token', auth(token(['operator'], { exp: NOW / 1000 - 1 })), 401, 'AUTH_TOKEN_INVALID'],
    ['a garbled token', auth('abc.def'), 401, 'AUTH_TOKEN_INVALID'],
    ['the wrong scope', auth(token(['auditor'])), 403, 'AUTH_SCOPE_DENIED'],
    [
      "another subject's token",
      auth(token(['subject'], { subjectId: 'sub_other' })),
      403,
      'AUTH_SUBJECT_DENIED',
    ],
  ])('refuses %s with a problem document', async (_name, headers, status, code) => {
    const response = await buildApp().inject({ url: '/v1/subjects/sub_1/things', headers });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_MEDIA_TYPE);
    expect(response.json()).toMatchObject({
      status,
      code,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });
  });

  it('admits an operator, and a subject token for its own subject', async () => {
    const app = buildApp();
    expect(
      (await app.inject({ url: '/v1/subjects/sub_1/things', headers: auth(token(['operator'])) })).statusCode,
    ).toBe(200);
    const own = await app.inject({
      url: '/v1/subjects/sub_1/things',
      headers: auth(token(['subject'], { subjectId: 'sub_1' })),
    });
    expect(own.statusCode).toBe(200);
  });

  it('answers an invalid body with 400 and the reasons, without echoing values', async () => {
    const response = await buildApp().inject({
      method: 'POST',
      url: '/v1/things',
      headers: auth(token(['service'])),
      payload: { email: 'not-an-email', extra: 'ada@example.com' },
    });
    expect(response.statusCode).toBe(400);
    const problem = response.json();
    expect(problem.code).toBe('REQUEST_INVALID');
    expect(problem.errors.length).toBeGreaterThan(0);
    expect(response.body).not.toContain('ada@example.com');
  });

  it('answers malformed JSON and unknown routes with problems', async () => {
    const app = buildApp();
    const malformed = await app.inject({
      method: 'POST',
      url: '/v1/things',
      headers: { ...auth(token(['service'])), 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toContain(PROBLEM_MEDIA_TYPE);
    const missing = await app.inject({ url: '/v1/nothing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('ROUTE_NOT_FOUND');
  });

  it('tells the caller of a transient refusal when to ask again (Retry-After)', async () => {
    const app = buildApp();
    app.get('/v1/busy', { config: { access: { scopes: ['service'] } } }, async () => {
      throw new ProblemError({
        status: 503,
        code: 'BUSY',
        title: 'Service Unavailable',
        detail: 'busy',
        retryAfterSeconds: 2,
      });
    });
    const busy = await app.inject({ url: '/v1/busy', headers: auth(token(['service'])) });
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('2');
    expect(busy.json().code).toBe('BUSY');
    const missing = await app.inject({ url: '/v1/nothing' });
    expect(missing.headers['retry-after']).toBeUndefined();
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const doc = (await buildApp().inject({ url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const operation = doc.paths['/v1/subjects/{subjectId}/things'].get;
    expect(operation.summary).toBe('A subject thing');
    expect(operation.parameters[0]).toMatchObject({ name: 'subjectId', in: 'path', required: true });
    expect(operation['x-lethe-scopes']).toEqual(['operator', 'subject']);
    expect(doc.paths['/v1/things'].post.requestBody.content['application/json'].schema.required).toEqual([
      'email',
    ]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });
});

describe('input and output hygiene', () => {
  const app = buildApp();
  const operator = auth(token(['operator']));
  const put = (payload: unknown) =>
    app.inject({
      method: 'PUT',
      url: '/v1/subjects/sub_1/choices',
      headers: operator,
      payload: payload as object,
    });

  it('takes a body exactly as the schema says: no coercion, the path of each wrong field named', async () => {
    for (const granted of [null, 'true', [true], 1]) {
      const answer = await put({ granted });
      expect(answer.statusCode).toBe(400);
      expect(answer.json().errors).toEqual([{ path: 'body/granted', reason: 'must be boolean' }]);
    }
    const named = await put({ granted: true, name: 123 });
    expect(named.json().errors).toEqual([{ path: 'body/name', reason: 'must be string' }]);
    const accepted = await put({ granted: false, name: 'Ada' });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().stored).toEqual({ granted: false, name: 'Ada' });
  });

  it('refuses an unknown field instead of dropping it, naming it', async () => {
    const answer = await put({ granted: true, grantd: false });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().errors).toEqual([
      { path: 'body/grantd', reason: 'must NOT have additional properties' },
    ]);
  });

  it("answers Fastify's own client errors as problems that echo nothing the client sent", async () => {
    const sent = 'ada@example.com';
    const answers = [
      await app.inject({
        method: 'PUT',
        url: `/v1/subjects/sub_1/choices?email=${sent}`,
        headers: { ...operator, 'content-type': 'application/json' },
        payload: `{"granted": "${sent}`,
      }),
      await app.inject({
        method: 'PUT',
        url: '/v1/subjects/sub_1/choices',
        headers: { ...operator, 'content-type': 'text/plain' },
        payload: sent,
      }),
      await app.inject({
        method: 'PUT',
        url: '/v1/subjects/sub_1/choices',
        headers: { ...operator, 'content-type': 'application/json' },
        payload: JSON.stringify({ granted: true, name: sent.repeat(80_000) }),
      }),
      await app.inject({ method: 'PUT', url: `/v1/subjects/${sent.repeat(10)}/choices`, headers: operator }),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([400, 415, 413, 414]);
    for (const answer of answers) {
      expect(answer.headers['content-type']).toContain(PROBLEM_MEDIA_TYPE);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body).not.toContain(sent);
      expect(answer.body).not.toContain('example');
    }
  });

  it('answers a method the path does not take with 405 and Allow', async () => {
    const answer = await app.inject({
      method: 'DELETE',
      url: '/v1/subjects/sub_1/things',
      headers: operator,
    });
    expect(answer.statusCode).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
    expect(answer.json().code).toBe('METHOD_NOT_ALLOWED');
    expect((await app.inject({ method: 'DELETE', url: '/v1/elsewhere' })).statusCode).toBe(404);
  });

  it('answers a request that is not HTTP at all with a problem, over the socket', async () => {
    const server = buildApp();
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = server.server.address() as AddressInfo;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port }, () =>
          socket.write('NOT HTTP ada@example.com\r\n\r\n'),
        );
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
      expect(answer).toContain(`content-type: ${PROBLEM_MEDIA_TYPE}`);
      expect(answer).toContain('"code":"REQUEST_MALFORMED"');
      expect(answer).not.toContain('ada@example.com');
    } finally {
      await server.close();
    }
  });
});

describe('reads of personal data', () => {
  function appRecording(recordAccess: (access: PersonalDataAccess) => Promise<void>) {
    const app = buildServiceApp({
      name: 'test',
      version: '0.1.0',
      logger: createLogger({ name: 'test', level: 'silent' }),
      publicKeys: [publicKeyFrom(keys.publicKey)],
      recordAccess,
      now: () => NOW,
    });
    app.get(
      '/v1/profiles/:subjectId',
      {
        config: {
          access: {
            scopes: ['operator', 'subject'],
            subjectParam: 'subjectId',
            personalData: { fields: ['email'] },
          },
        },
      },
      async (request) => {
        const { subjectId } = request.params as { subjectId: string };
        if (subjectId === 'sub_none')
          throw new ProblemError({ status: 404, code: 'NONE', title: 'Not Found', detail: 'none' });
        return { email: 'ada@example.com' };
      },
    );
    return app;
  }

  it('records who read which fields of whom, for what, before the answer leaves', async () => {
    const recorded: PersonalDataAccess[] = [];
    const app = appRecording(async (access) => void recorded.push(access));
    const answer = await app.inject({
      url: '/v1/profiles/sub_1',
      headers: { ...auth(token(['operator'])), 'lethe-purpose': 'support-ticket' },
    });
    expect(answer.statusCode).toBe(200);
    expect(recorded).toEqual([
      {
        subjectId: 'sub_1',
        actor: 'tester',
        actorScopes: ['operator'],
        operation: 'GET /v1/profiles/:subjectId',
        fields: ['email'],
        purpose: 'support-ticket',
        at: NOW,
        correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    ]);
    // Refused and failed answers carry no data: nothing to record.
    await app.inject({
      url: '/v1/profiles/sub_1',
      headers: auth(token(['subject'], { subjectId: 'sub_2' })),
    });
    await app.inject({ url: '/v1/profiles/sub_none', headers: auth(token(['operator'])) });
    expect(recorded).toHaveLength(1);
  });

  it('withholds the answer with a 503 when the read cannot be recorded', async () => {
    const app = appRecording(async () => {
      throw new Error('the brokers are away');
    });
    const answer = await app.inject({ url: '/v1/profiles/sub_1', headers: auth(token(['operator'])) });
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['content-type']).toContain(PROBLEM_MEDIA_TYPE);
    expect(answer.json().code).toBe('ACCESS_NOT_RECORDED');
    expect(answer.body).not.toContain('ada@example.com');
  });
});
