import { buildServiceApp } from './app';
import { PROBLEM_MEDIA_TYPE } from './problem';
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
  return app;
}

const auth = (value: string) => ({ authorization: `Bearer ${value}` });

describe('the service app', () => {
  it('logs who called which operation, never the query string, and forbids caching the answer', async () => {
    const lines: string[] = [];
    const app = buildApp(true, lines);
    const answer = await app.inject({
      url: '/v1/subjects/sub_1/things?email=ada%40example.com',
      headers: auth(token(['operator'])),
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    const logged = lines.join('');
    expect(logged).not.toMatch(/ada|example\.com|email=/);
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
