import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { verifyToken, type TokenClaims } from '@lethe/service-kit';

import { OperatorActionRefused, type OperatorApi } from '../api/operator-api';
import type { TaskQueues } from '../api/service-metrics';
import { OidcSignInFailed, type OidcSignIn } from '../console/oidc-sign-in';
import type { OperatorSession, OperatorSessions } from '../console/operator-sessions';
import {
  CONSOLE_FILTERS,
  consoleSignedInPage,
  consoleSignInPage,
  holdsPage,
  participantsPage,
  requestDetailPage,
  requestsPage,
  type ConsoleFilter,
} from '../views/console';
import { messagePage } from '../views/sign-in';
import { notFoundPage, refusedFormPage, sendPage, type Form, type FormRequest } from './context';
import { anonymousFormToken, cookieOptions, formIsGenuine, securityHeaders } from './security';

// The operator console: the same app, its own sign-in. Locally an operator pastes a token from
// `./lethe token --scope operator`; the console checks it as the services would and then acts
// with it, so each action is the operator's own in every service's records.

const PUBLIC = { config: { access: { public: true } } } as const;
const CONSOLE_COOKIE = '__Host-lethe-console';
/** Binds a sign-in at the provider to this browser; Lax, as it comes back from the provider's site. */
const OIDC_COOKIE = '__Host-lethe-oidc';
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface ConsoleDeps {
  api: OperatorApi;
  sessions: OperatorSessions;
  /** Checks a bearer token as the erasure service would (keys, issuer, time). */
  verify: (token: string) => TokenClaims;
  publicUrl: string;
  /** Task lag and dead letters from the services' /metrics. */
  taskQueues: () => Promise<TaskQueues>;
  /** Sign-in through the OpenID provider (LETHE_AUTH_OIDC_ISSUER); undefined: tokens only. */
  oidc?: OidcSignIn | undefined;
}

/** Checks an operator token the way the services do: trusted key, issuer, in date, for them. */
export function operatorTokenVerifier(
  policy: Parameters<typeof verifyToken>[0],
  now: () => number = Date.now,
) {
  return (token: string) => verifyToken(policy, token, Math.floor(now() / 1000));
}

export function consoleRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const origin = new URL(deps.publicUrl).origin;

  const sessionOf = async (request: FastifyRequest) => {
    const id = request.cookies[CONSOLE_COOKIE];
    return id ? deps.sessions.find(id) : undefined;
  };
  /** The operator's session, or an answer already sent (sign-in for a page, 403 for a form). */
  const requireOperator = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form = false,
  ): Promise<OperatorSession | undefined> => {
    const session = await sessionOf(request);
    if (form && (!session || !formIsGenuine(request as FormRequest, origin, session))) {
      sendPage(reply, 403, refusedFormPage());
      return undefined;
    }
    if (!session) {
      securityHeaders(reply, true);
      void reply.redirect('/console/sign-in', 303);
    }
    return session;
  };
  const back = (reply: FastifyReply, to: string) => {
    securityHeaders(reply, true);
    return reply.redirect(to, 303);
  };

  const signInPage = (request: FastifyRequest, reply: FastifyReply, message?: string) =>
    consoleSignInPage(anonymousFormToken(request, reply), message, deps.oidc !== undefined);

  app.get('/console/sign-in', PUBLIC, async (request, reply) =>
    sendPage(reply, 200, signInPage(request, reply)),
  );

  /** Opens the operator's session with a token the services will take, if it is an operator's. */
  const openSession = async (
    reply: FastifyReply,
    token: string,
    name?: string,
  ): Promise<string | undefined> => {
    let claims: TokenClaims;
    try {
      claims = deps.verify(token);
    } catch {
      return 'That token is not valid here.';
    }
    if (!claims.scope.includes('operator')) return 'That token is not an operator token.';
    const session = await deps.sessions.open(name ?? claims.sub, token, claims.exp);
    void reply.setCookie(CONSOLE_COOKIE, session.id, cookieOptions());
    return undefined;
  };

  app.get('/console/oidc/start', PUBLIC, async (request, reply) => {
    if (!deps.oidc) return notFoundPage(reply);
    const { url, binding } = await deps.oidc.start();
    void reply.setCookie(OIDC_COOKIE, binding, { ...cookieOptions(600), sameSite: 'lax' });
    securityHeaders(reply, true);
    return reply.redirect(url, 303);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/console/oidc/callback',
    PUBLIC,
    async (request, reply) => {
      if (!deps.oidc) return notFoundPage(reply);
      const { code, state, error } = request.query;
      void reply.clearCookie(OIDC_COOKIE, { ...cookieOptions(), sameSite: 'lax' });
      if (error || !code || !state)
        return sendPage(reply, 401, signInPage(request, reply, 'The identity provider did not sign you in.'));
      let signedIn;
      try {
        signedIn = await deps.oidc.finish({ code, state }, request.cookies[OIDC_COOKIE]);
      } catch (failure) {
        if (!(failure instanceof OidcSignInFailed)) throw failure;
        return sendPage(reply, 401, signInPage(request, reply, `Sign-in failed: ${failure.message}.`));
      }
      const refused = await openSession(reply, signedIn.accessToken, signedIn.name);
      if (refused)
        return sendPage(
          reply,
          403,
          signInPage(request, reply, 'The identity provider does not give you the operator role.'),
        );
      return sendPage(reply, 200, consoleSignedInPage());
    },
  );

  app.post('/console/sign-in', PUBLIC, async (request: FormRequest, reply) => {
    if (!formIsGenuine(request, origin, undefined)) return sendPage(reply, 403, refusedFormPage());
    const refused = await openSession(reply, (request.body?.token ?? '').trim());
    if (refused)
      return sendPage(reply, refused.includes('not valid') ? 401 : 403, signInPage(request, reply, refused));
    return back(reply, '/console');
  });

  app.post('/console/sign-out', PUBLIC, async (request: FormRequest, reply) => {
    const session = await requireOperator(request, reply, true);
    if (!session) return reply;
    await deps.sessions.close(session.id);
    void reply.clearCookie(CONSOLE_COOKIE, cookieOptions());
    return back(reply, '/console/sign-in');
  });

  app.get<{ Querystring: { state?: string } }>('/console', PUBLIC, async (request, reply) => {
    const session = await requireOperator(request, reply);
    if (!session) return reply;
    const filter = (CONSOLE_FILTERS as readonly string[]).includes(request.query.state ?? '')
      ? (request.query.state as ConsoleFilter)
      : 'all';
    if (filter === 'completed' || filter === 'partial') {
      const completed = (await deps.api.completedRequests(session.token)).filter(
        (r) => filter === 'completed' || r.result === 'partial',
      );
      return sendPage(reply, 200, requestsPage(session.csrf, filter, completed));
    }
    const requests = (await deps.api.openRequests(session.token)).filter(
      (r) =>
        filter === 'all' ||
        (filter === 'blocked' && r.blocked) ||
        (filter === 'at-risk' && r.atRisk) ||
        (filter === 'overdue' && r.overdue),
    );
    return sendPage(reply, 200, requestsPage(session.csrf, filter, requests));
  });

  app.get<{ Querystring: { id?: string } }>('/console/requests', PUBLIC, async (request, reply) => {
    const session = await requireOperator(request, reply);
    if (!session) return reply;
    const id = (request.query.id ?? '').trim();
    return ID.test(id) ? back(reply, `/console/requests/${id}`) : notFoundPage(reply);
  });

  app.get<{ Params: { requestId: string }; Querystring: { extended?: string; retried?: string } }>(
    '/console/requests/:requestId',
    PUBLIC,
    async (request, reply) => {
      const session = await requireOperator(request, reply);
      if (!session) return reply;
      const { requestId } = request.params;
      const view = ID.test(requestId) ? await deps.api.request(session.token, requestId) : undefined;
      if (!view)
        return sendPage(
          reply,
          404,
          messagePage(
            'No such request (yet)',
            'A request just made appears here within seconds: reload the page.',
            {
              href: '/console',
              label: 'Back to the requests',
            },
          ),
        );
      const timeline = await deps.api.timeline(session.token, requestId);
      const notice = request.query.extended
        ? 'The deadline is extended.'
        : request.query.retried
          ? `The task of ${request.query.retried} is issued again.`
          : undefined;
      return sendPage(reply, 200, requestDetailPage(session.csrf, view, timeline, notice ? { notice } : {}));
    },
  );

  app.post<{ Params: { requestId: string }; Body: Form | undefined }>(
    '/console/requests/:requestId/extensions',
    PUBLIC,
    async (request, reply) => {
      const session = await requireOperator(request, reply, true);
      if (!session) return reply;
      const { requestId } = request.params;
      const dueAt = new Date(`${request.body?.dueAt ?? ''}Z`);
      try {
        if (!ID.test(requestId) || Number.isNaN(dueAt.getTime()))
          throw new OperatorActionRefused(400, 'give the new deadline as a date and time');
        await deps.api.extendDeadline(session.token, requestId, {
          dueAt: dueAt.toISOString(),
          reason: request.body?.reason ?? '',
        });
      } catch (error) {
        if (!(error instanceof OperatorActionRefused)) throw error;
        const view = await deps.api.request(session.token, requestId);
        if (!view) return notFoundPage(reply);
        const timeline = await deps.api.timeline(session.token, requestId);
        return sendPage(
          reply,
          422,
          requestDetailPage(session.csrf, view, timeline, { problem: error.detail }),
        );
      }
      return back(reply, `/console/requests/${requestId}?extended=1`);
    },
  );

  app.post<{ Params: { requestId: string }; Body: Form | undefined }>(
    '/console/requests/:requestId/retries',
    PUBLIC,
    async (request, reply) => {
      const session = await requireOperator(request, reply, true);
      if (!session) return reply;
      const { requestId } = request.params;
      const participantId = request.body?.participantId ?? '';
      try {
        if (!ID.test(requestId) || !ID.test(participantId))
          throw new OperatorActionRefused(400, 'name the request and the participant to retry');
        await deps.api.retryTask(session.token, requestId, participantId);
      } catch (error) {
        if (!(error instanceof OperatorActionRefused)) throw error;
        return refusedOnRequest(session, reply, requestId, error.detail);
      }
      return back(reply, `/console/requests/${requestId}?retried=${encodeURIComponent(participantId)}`);
    },
  );

  app.post<{ Params: { requestId: string }; Body: Form | undefined }>(
    '/console/requests/:requestId/again',
    PUBLIC,
    async (request, reply) => {
      const session = await requireOperator(request, reply, true);
      if (!session) return reply;
      const { requestId } = request.params;
      const view = ID.test(requestId) ? await deps.api.request(session.token, requestId) : undefined;
      if (!view?.certificate || view.result !== 'partial')
        return refusedOnRequest(
          session,
          reply,
          requestId,
          'only a request completed as partial is requested again',
        );
      // The new request has the first one's reason and regulation, as its certificate states them.
      const first = JSON.parse(view.certificate.json) as { reason?: string; regulation?: string | null };
      const again = await deps.api.requestErasure(
        session.token,
        String(view.subjectId),
        first.reason ?? 'dsar',
        first.regulation ?? null,
      );
      return back(reply, `/console/requests/${again}`);
    },
  );

  /** The request's page again, with why the operator's action was refused. */
  const refusedOnRequest = async (
    session: { token: string; csrf: string },
    reply: FastifyReply,
    requestId: string,
    problem: string,
  ) => {
    const view = ID.test(requestId) ? await deps.api.request(session.token, requestId) : undefined;
    if (!view) return notFoundPage(reply);
    const timeline = await deps.api.timeline(session.token, requestId);
    return sendPage(reply, 409, requestDetailPage(session.csrf, view, timeline, { problem }));
  };

  app.get<{ Querystring: { subjectId?: string; placed?: string; released?: string } }>(
    '/console/holds',
    PUBLIC,
    async (request, reply) => {
      const session = await requireOperator(request, reply);
      if (!session) return reply;
      const subjectId = ID.test(request.query.subjectId ?? '') ? request.query.subjectId : undefined;
      const holds = subjectId ? await deps.api.holdsOf(session.token, subjectId) : [];
      const notice = request.query.placed
        ? `Hold ${request.query.placed} is placed.`
        : request.query.released
          ? `Hold ${request.query.released} is released.`
          : undefined;
      return sendPage(reply, 200, holdsPage(session.csrf, subjectId, holds, notice ? { notice } : {}));
    },
  );

  app.post('/console/holds', PUBLIC, async (request: FormRequest, reply) => {
    const session = await requireOperator(request, reply, true);
    if (!session) return reply;
    const { subjectId = '', reference = '', reason = '' } = request.body ?? {};
    try {
      const holdId = await deps.api.placeHold(session.token, {
        subjectId: subjectId.trim(),
        reference: reference.trim(),
        reason: reason.trim(),
      });
      return back(
        reply,
        `/console/holds?subjectId=${encodeURIComponent(subjectId.trim())}&placed=${encodeURIComponent(holdId)}`,
      );
    } catch (error) {
      if (!(error instanceof OperatorActionRefused)) throw error;
      return sendPage(reply, 422, holdsPage(session.csrf, undefined, [], { problem: error.detail }));
    }
  });

  app.post<{ Params: { holdId: string }; Body: Form | undefined }>(
    '/console/holds/:holdId/release',
    PUBLIC,
    async (request, reply) => {
      const session = await requireOperator(request, reply, true);
      if (!session) return reply;
      const subjectId = request.body?.subjectId ?? '';
      try {
        await deps.api.releaseHold(session.token, request.params.holdId);
      } catch (error) {
        if (!(error instanceof OperatorActionRefused)) throw error;
        return sendPage(reply, 422, holdsPage(session.csrf, undefined, [], { problem: error.detail }));
      }
      return back(
        reply,
        `/console/holds?subjectId=${encodeURIComponent(subjectId)}&released=${encodeURIComponent(request.params.holdId)}`,
      );
    },
  );

  app.get('/console/participants', PUBLIC, async (request, reply) => {
    const session = await requireOperator(request, reply);
    if (!session) return reply;
    const [participants, queues] = await Promise.all([
      deps.api.participants(session.token),
      deps.taskQueues(),
    ]);
    return sendPage(reply, 200, participantsPage(session.csrf, participants, queues));
  });
}
