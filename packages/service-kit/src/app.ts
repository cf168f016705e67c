import { randomUUID, type KeyObject } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';

import {
  deferredChildLogger,
  formatTraceparent,
  parseTraceparent,
  runInTrace,
  startHop,
  untracedHop,
  type Hop,
  TRACEPARENT_HEADER,
  type Logger,
} from '@lethe/logger';

import { honourIdempotencyKeys, type IdempotencyRecords } from './idempotency';
import type { ReadinessCheck, ServiceOperations } from './operations';
import { oidcIssuer, oidcTrust } from './oidc-trust';
import { buildOpenApi, type OpenApiInfo, type RouteRecord } from './openapi';
import { PURPOSE_HEADER, statedPurpose, type AccessRecorder } from './personal-data-access';
import { PROBLEM_MEDIA_TYPE, ProblemError } from './problem';
import type { ServerTls } from './config';
import { serviceFetch } from './service-fetch';
import type { RouteAccess } from './route-access';
import {
  cachedTokenVerifier,
  PORTAL_SCOPES,
  DEFAULT_TOKEN_ISSUER,
  type TokenClaims,
  type TokenSettings,
  type TokenVerifier,
} from './tokens';

declare module 'fastify' {
  // Documentation that /openapi.json carries for each route.
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    caller?: TokenClaims;
  }
}

export interface ServiceAppDeps {
  name: string;
  version: string;
  logger: Logger;
  publicKeys: readonly KeyObject[];
  /** Issuer and revoked token ids; by default `lethe` and none. The audience is `name`. */
  tokens?: TokenSettings;
  /** Records each answer of a `personalData` route; without it nothing is recorded (unit tests). */
  recordAccess?: AccessRecorder;
  /** Serve HTTPS with this certificate; without it, plain HTTP (for app.inject() in tests). */
  https?: ServerTls;
  /** Readiness checks (broker, database ...): all must pass for /readyz to answer 200. */
  readiness?: Record<string, ReadinessCheck>;
  /** /metrics (every answered request observed in it) and Kafka's readiness checks
   * (serviceOperations), joined to the ones above. */
  operations?: ServiceOperations;
  /** A check with no answer within this long fails (a store that hangs must not hang /readyz). */
  readinessTimeoutMs?: number;
  /** Where `Idempotency-Key`s are kept, for the routes marked `idempotent`. */
  idempotency?: IdempotencyRecords;
  now?: () => number;
}

/**
 * The access log: who called which operation and how it ended. The route pattern and the path
 * without its query string (an email sent as `?email=` must not reach the log), never a body.
 */
function logAccess(request: FastifyRequest, reply: FastifyReply): void {
  request.log.info(
    {
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      caller: request.caller?.sub ?? null,
    },
    'request completed',
  );
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) {
    throw new ProblemError({
      status: 401,
      code: 'AUTH_TOKEN_MISSING',
      title: 'Unauthorized',
      detail: 'send a bearer token',
    });
  }
  return header.slice('Bearer '.length).trim();
}

function authorize(request: FastifyRequest, access: RouteAccess, verify: TokenVerifier, nowSeconds: number) {
  const caller = verify(bearerToken(request), nowSeconds);
  const allowed = access.scopes ?? [];
  const granted = caller.scope.filter((scope) => allowed.includes(scope));
  if (granted.length === 0) {
    throw new ProblemError({
      status: 403,
      code: 'AUTH_SCOPE_DENIED',
      title: 'Forbidden',
      detail: `this operation needs one of the scopes: ${allowed.join(', ') || '(none)'}`,
    });
  }
  // A token whose only admitting scope is `subject` is bound to its own subject.
  if (granted.every((scope) => scope === 'subject') && access.subjectParam) {
    const target = (request.params as Record<string, string | undefined>)[access.subjectParam];
    if (!caller.subjectId || caller.subjectId !== target) {
      throw new ProblemError({
        status: 403,
        code: 'AUTH_SUBJECT_DENIED',
        title: 'Forbidden',
        detail: 'a subject token reaches only its own subject',
      });
    }
  }
  request.caller = caller;
}

// Fastify's own client errors, said without echoing what the client sent (a body, a path or a
// header may carry personal data). Codes not listed get their status's standard text.
const FRAMEWORK_ERROR_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'the body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the body is empty although its content-type is application/json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'send the body as application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'the body is larger than this service accepts',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'the content-length does not match the body',
  FST_ERR_MAX_PARAM_LENGTH: 'a path segment is longer than this service accepts',
  FST_ERR_BAD_URL: 'the path is not a valid URL',
};

const titleOf = (status: number) => STATUS_CODES[status] ?? 'Error';

function toProblemError(error: FastifyError | ProblemError | Error): ProblemError {
  if (error instanceof ProblemError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return new ProblemError({
      status: 400,
      code: 'REQUEST_INVALID',
      title: 'Bad Request',
      detail: 'the request does not match the operation schema',
      errors: fastifyError.validation.map((issue) => ({
        path: `${fastifyError.validationContext ?? 'body'}${issue.instancePath || ''}${unknownField(issue.params)}`,
        reason: issue.message ?? 'invalid',
      })),
    });
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    const code = fastifyError.code ?? 'REQUEST_REJECTED';
    return new ProblemError({
      status,
      code,
      title: titleOf(status),
      detail: FRAMEWORK_ERROR_DETAILS[code] ?? titleOf(status).toLowerCase(),
    });
  }
  return new ProblemError({
    status: 500,
    code: 'INTERNAL',
    title: 'Internal Server Error',
    detail: 'the service failed; see its log',
  });
}

/** Ajv names a field the schema does not allow in `params`: the error path ends with it. */
function unknownField(params: unknown): string {
  const field = (params as { additionalProperty?: unknown } | undefined)?.additionalProperty;
  return typeof field === 'string' ? `/${field}` : '';
}

/** A route pattern (`/v1/accounts/:subjectId`) as a matcher of concrete paths. */
function pathMatcher(pattern: string): RegExp {
  const parts = pattern.split('/').map((part) => {
    if (part.startsWith(':')) return '[^/]+';
    if (part === '*') return '.*';
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}$`);
}

/**
 * A problem answer written straight to the socket, for the errors Node's HTTP parser raises
 * before Fastify sees a request (a malformed request line, headers too large).
 */
function rawProblem(status: number, code: string, detail: string): string {
  const body = JSON.stringify({
    type: `/problems/${code.toLowerCase()}`,
    title: titleOf(status),
    status,
    detail,
    code,
  });
  return (
    `HTTP/1.1 ${status} ${titleOf(status)}\r\ncontent-type: ${PROBLEM_MEDIA_TYPE}\r\n` +
    `cache-control: no-store\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

/**
 * An HTTPS server for Fastify (HTTP/1.1: every client speaks it, and a service's answers are
 * small). Typed as the plain server Fastify's default instance type expects; Fastify drives both
 * through the same request and response objects.
 */
function httpsServer(tls: ServerTls) {
  return (handler: Parameters<typeof createHttpsServer>[1]) =>
    createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler) as unknown as Server;
}

/** Letters, digits and `._:-`, 8 to 128 of them: an id, never a place to smuggle text into logs. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

function callerRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : undefined;
}

/** How long /readyz waits for each check: under a probe's usual timeout, so it answers first. */
const READINESS_TIMEOUT_MS = 2_000;

/** A check's answer, false when it throws, or 'timed-out' when it gives none in time. */
async function withinTime(
  check: Promise<boolean | { reason: string }>,
  timeoutMs: number,
): Promise<boolean | { reason: string } | 'timed-out'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
  });
  try {
    return await Promise.race([check.catch(() => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Fastify app with what every Lethe service needs; `listen` is the caller's (STYLE.md
 * section 8), so tests use `app.inject()`.
 */
export function buildServiceApp(deps: ServiceAppDeps & { info?: Partial<OpenApiInfo> }): FastifyInstance {
  const now = deps.now ?? Date.now;
  const revoked = deps.tokens?.revokedIds ?? new Set<string>();
  const provider = deps.tokens?.oidc
    ? oidcTrust(deps.tokens.oidc, serviceFetch(deps.tokens.oidc.caFile), (error) =>
        deps.logger.warn({ err: error }, "the identity provider's keys could not be read"),
      )
    : undefined;
  const verify = cachedTokenVerifier(
    {
      publicKeys: deps.publicKeys,
      limitedKeys: (deps.tokens?.portalKeys ?? []).map((key) => ({ key, scopes: PORTAL_SCOPES })),
      issuer: deps.tokens?.issuer ?? DEFAULT_TOKEN_ISSUER,
      audience: deps.name,
      ...(provider ? { external: oidcIssuer(provider) } : {}),
    },
    (jti) => revoked.has(jti),
  );
  const app = Fastify({
    // tsc needs the assertion (pino's Logger is not FastifyBaseLogger under nodenext).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    // The schemas say what a body may hold, and a body that says otherwise is refused: no type
    // coercion (`"granted": "true"` is not a grant) and no silent dropping of unknown fields.
    ajv: { customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false } },
    // Errors Fastify answers itself (a bad URL, a path segment too long) and those of Node's
    // parser: problem documents that do not echo the request.
    frameworkErrors: (error, _request, reply) => {
      const problem = toProblemError(error);
      // The reply is typed for no route in particular: any status and body are its own.
      void (reply as FastifyReply)
        .status(problem.status)
        .header('cache-control', 'no-store')
        .type(PROBLEM_MEDIA_TYPE)
        .send(problem.toProblem());
    },
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      socket.end(
        tooLarge
          ? rawProblem(
              431,
              'REQUEST_HEADERS_TOO_LARGE',
              'the request line or headers are larger than this service accepts',
            )
          : rawProblem(400, 'REQUEST_MALFORMED', 'the request is not valid HTTP'),
      );
    },
    // Fastify's own request lines carry the raw URL, query string and all: logAccess replaces them.
    logController: new LogController({ disableRequestLogging: true }),
    // The caller's X-Request-Id when it sends a well-formed one (so its logs and ours share
    // it), else unique across restarts and instances. Every log line of the request carries it
    // (`reqId`), the answer echoes it, and a recorded read carries it as its correlation id.
    // The request's child logger is made when it first writes a line (@lethe/logger's deferredChildLogger).
    childLoggerFactory: (logger, bindings, options) =>
      deferredChildLogger(logger as Logger, bindings, options) as FastifyBaseLogger,
    genReqId: (request) => callerRequestId(request.headers['x-request-id']) ?? randomUUID(),
    ...(deps.https ? { serverFactory: httpsServer(deps.https) } : {}),
  });
  if (provider) {
    // The provider's keys are read before the service takes requests, then kept fresh; a
    // provider that cannot be reached leaves only its tokens refused, never the service down.
    let stopRefreshing: (() => void) | undefined;
    app.addHook('onReady', async () => {
      stopRefreshing = await provider.start();
    });
    app.addHook('onClose', async () => stopRefreshing?.());
  }
  const routes: RouteRecord[] = [];

  // The caller's trace continues here (W3C traceparent), or one starts: what the request
  // produces and logs carries it. The rest of the request runs inside it (done() is called in it).
  // Probes and scrapes come every few seconds and say nothing about callers: not logged, no span.
  const unlogged = new Set(['/healthz', '/livez', '/readyz', '/metrics']);
  const hops = new WeakMap<object, Hop>();
  app.addHook('onRequest', (request, reply, done) => {
    const parent = parseTraceparent(request.headers[TRACEPARENT_HEADER]);
    const route = request.routeOptions.url;
    const traced = route !== undefined && !unlogged.has(route);
    const hop = traced
      ? startHop(`${request.method} ${route}`, 'server', parent, {
          'http.request.method': request.method,
          'http.route': route,
        })
      : untracedHop(parent);
    hops.set(request, hop);
    void reply.header(TRACEPARENT_HEADER, formatTraceparent(hop.trace));
    runInTrace(hop.trace, done);
  });

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/openapi') && route.method !== 'HEAD') routes.push(route as RouteRecord);
  });

  // The hooks every request runs are callback hooks, not async ones: a promise per hook per
  // request showed in the consent check's profile, and none of them waits for anything.
  app.addHook('onRequest', (request, _reply, done) => {
    const access = request.routeOptions.config.access;
    // No route: the 404 handler answers.
    if (!request.routeOptions.url || access?.public) return done();
    try {
      authorize(request, access ?? {}, verify, Math.floor(now() / 1000));
    } catch (error) {
      return done(error as Error);
    }
    done();
  });

  if (deps.idempotency) honourIdempotencyKeys(app, deps.idempotency);

  // Every answer is about personal data or its processing: no cache may keep a copy. An answer
  // that carries personal data goes out only once the read is recorded.
  const recordedOrWithheld = async (
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    {
      recordAccess,
      fields,
      caller,
    }: { recordAccess: AccessRecorder; fields: readonly string[]; caller: TokenClaims },
  ) => {
    const subjectParam = request.routeOptions.config.access?.subjectParam ?? 'subjectId';
    try {
      await recordAccess({
        subjectId: (request.params as Record<string, string>)[subjectParam] ?? '',
        actor: caller.sub,
        actorScopes: caller.scope,
        operation: `${request.method} ${request.routeOptions.url ?? ''}`,
        fields,
        purpose: statedPurpose(request.headers[PURPOSE_HEADER]),
        at: now(),
        correlationId: request.id,
      });
      return payload;
    } catch (error) {
      // No unrecorded read: the data stays here and the caller may retry.
      request.log.error({ err: error }, 'the read could not be recorded; its answer is withheld');
      const problem = new ProblemError({
        status: 503,
        code: 'ACCESS_NOT_RECORDED',
        title: 'Service Unavailable',
        detail: 'the read could not be recorded in the audit log; retry later',
        retryAfterSeconds: 1,
      });
      void reply
        .status(503)
        .type(PROBLEM_MEDIA_TYPE)
        .header('retry-after', String(problem.retryAfterSeconds));
      return JSON.stringify(problem.toProblem(request.routeOptions.url));
    }
  };
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    void reply.header('x-request-id', request.id);
    const personalData = request.routeOptions.config.access?.personalData;
    const { recordAccess } = deps;
    const caller = request.caller;
    if (!personalData || !recordAccess || !caller || reply.statusCode >= 300) return done(null, payload);
    void recordedOrWithheld(request, reply, payload, {
      recordAccess,
      fields: personalData.fields,
      caller,
    }).then((sent) => done(null, sent));
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    hops.get(request)?.end({
      attributes: { 'http.response.status_code': reply.statusCode },
      ...(reply.statusCode >= 500 ? { failed: `HTTP ${reply.statusCode}` } : {}),
    });
    deps.operations?.metrics.observeRequest(
      request.method,
      route ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    if (!route || !unlogged.has(route)) logAccess(request, reply);
    done();
  });

  // Every operation takes JSON; Fastify's text/plain parser would let a string reach a schema.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblemError(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    // The instance is the operation's pattern, never the path as sent.
    if (problem.retryAfterSeconds !== undefined)
      void reply.header('retry-after', String(problem.retryAfterSeconds));
    void reply
      .status(problem.status)
      .type(PROBLEM_MEDIA_TYPE)
      .send(problem.toProblem(request.routeOptions.url));
  });

  // A path that exists under other methods answers 405 with Allow; one that does not, 404.
  const matchers = new Map<string, RegExp>();
  const methodsFor = (path: string) => {
    const allowed = new Set<string>();
    for (const route of routes) {
      let matcher = matchers.get(route.url);
      if (!matcher) matchers.set(route.url, (matcher = pathMatcher(route.url)));
      if (!matcher.test(path)) continue;
      for (const method of [route.method].flat()) allowed.add(method);
      if (allowed.has('GET')) allowed.add('HEAD');
    }
    return [...allowed].sort();
  };

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = methodsFor(path);
    const problem =
      allowed.length > 0
        ? new ProblemError({
            status: 405,
            code: 'METHOD_NOT_ALLOWED',
            title: 'Method Not Allowed',
            detail: `this operation takes ${allowed.join(', ')}`,
          })
        : new ProblemError({
            status: 404,
            code: 'ROUTE_NOT_FOUND',
            title: 'Not Found',
            detail: `no operation ${request.method} at this path`,
          });
    if (allowed.length > 0) void reply.header('allow', allowed.join(', '));
    void reply.status(problem.status).type(PROBLEM_MEDIA_TYPE).send(problem.toProblem());
  });

  // Liveness: the process answers. Nothing it depends on is checked (that is /readyz), so a
  // store that is down makes the service unready, never restarted in a loop.
  const alive = async () => ({ status: 'ok' });
  app.get('/livez', { config: { access: { public: true } } }, alive);
  app.get('/healthz', { config: { access: { public: true } } }, alive);

  const metrics = deps.operations?.metrics;
  if (metrics) {
    app.get(
      '/metrics',
      { config: { access: { public: true } }, schema: { summary: 'Prometheus metrics (no personal data)' } },
      async (_request, reply) =>
        reply
          .type(metrics.contentType)
          .header('cache-control', 'no-store')
          .send(await metrics.render()),
    );
  }

  app.get('/readyz', { config: { access: { public: true } } }, async (_request, reply) => {
    const checks = Object.entries({ ...deps.readiness, ...deps.operations?.readiness });
    const timeoutMs = deps.readinessTimeoutMs ?? READINESS_TIMEOUT_MS;
    const results = await Promise.all(
      checks.map(async ([name, check]) => [name, await withinTime(check(), timeoutMs)] as const),
    );
    const failing = results
      .filter(([, ok]) => ok !== true)
      .map(([name, ok]) => {
        if (ok === 'timed-out') return `${name} (no answer within ${timeoutMs} ms)`;
        return typeof ok === 'object' ? `${name} (${ok.reason})` : name;
      });
    if (failing.length > 0) {
      const problem = new ProblemError({
        status: 503,
        code: 'NOT_READY',
        title: 'Service Unavailable',
        detail: `not ready: ${failing.join(', ')}`,
      });
      return reply.status(503).type(PROBLEM_MEDIA_TYPE).send(problem.toProblem());
    }
    return { status: 'ready', checks: Object.fromEntries(results.map(([name, ok]) => [name, ok === true])) };
  });

  app.get('/openapi.json', { config: { access: { public: true } } }, async () =>
    buildOpenApi(
      { title: deps.info?.title ?? `Lethe ${deps.name}`, version: deps.info?.version ?? deps.version },
      routes,
    ),
  );

  return app;
}
