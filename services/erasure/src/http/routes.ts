import type { FastifyInstance } from 'fastify';

import { DEADLINE_EXTENSION_REASONS } from '@lethe/events';
import { subjectWasKnown } from '@lethe/audit-ledger';
import { derivedId, ProblemError } from '@lethe/service-kit';

import type { NewDisclosure } from '../llm/disclosures';
import type { OpenRequestView } from '../runtime/open-requests';
import type { CompletedRequestView } from '../runtime/request-index';
import { ErasureError, type ErasureState } from '../request/model';
import type { ParticipantDirectory } from '../runtime/directory';
import type { RequestErasureInput } from '../reactions';

export interface ErasureRoutesDeps {
  /** Where the audit service serves receipts: a completed request links to its own. */
  auditUrl: string;
  requestErasure: (input: RequestErasureInput) => Promise<string>;
  load: (requestId: string) => Promise<{ subjectId: string; state: ErasureState } | undefined>;
  directory: ParticipantDirectory;
  /** Records a disclosure and checks the subject's LLM consent (a violation goes on the access log). */
  recordDisclosure: (
    disclosure: NewDisclosure & { reportedBy: string },
  ) => Promise<{ consentGranted: boolean }>;
  /** Moves an open request's deadline; undefined when there is no such request. */
  extendDeadline: (
    requestId: string,
    extension: { dueAt: number; reason: string; extendedBy: string },
  ) => Promise<{ previousDueAt: number; dueAt: number } | undefined>;
  /** Issues a failed or backing-off task again now; undefined when there is no such request. */
  retryTask: (
    requestId: string,
    retry: { participantId: string; retriedBy: string },
  ) => Promise<{ attempt: number } | undefined>;
  /** The requests not yet completed, the most urgent first (at most `limit`). */
  openRequests: (limit: number) => Promise<OpenRequestView[]>;
  /** The latest completed requests, newest first (at most `limit`). */
  completedRequests: (limit: number) => Promise<CompletedRequestView[]>;
  /** Re-derives shredded keys from the erasure log and shreds any found again (after a restore). */
  reconcileKeys: () => Promise<{ checked: number; reapplied: number }>;
}

/** The path of a route about one request. */
const requestIdParams = {
  type: 'object',
  required: ['requestId'],
  properties: { requestId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const REASONS = ['user-request', 'retention-expired', 'consent-withdrawn', 'dsar'] as const;

/** What a request's state refused, as the caller's problem: 404, 422 or, by default, 409. */
function asProblem(error: unknown): never {
  if (!(error instanceof ErasureError)) throw error;
  const [status, title] =
    error.code === 'ERASURE_TASK_NOT_FOUND'
      ? [404, 'Not Found']
      : error.code === 'ERASURE_EXTENSION_INVALID'
        ? [422, 'Unprocessable Content']
        : [409, 'Conflict'];
  throw new ProblemError({ status, title, code: error.code, detail: error.message });
}

function notFound(): never {
  throw new ProblemError({
    status: 404,
    code: 'ERASURE_REQUEST_NOT_FOUND',
    title: 'Not Found',
    detail: 'no such erasure request',
  });
}

function extensionsView(extensions: Extract<ErasureState, { status: 'open' }>['request']['extensions']) {
  return (extensions ?? []).map((e) => ({
    from: new Date(e.previousDueAt).toISOString(),
    to: new Date(e.dueAt).toISOString(),
    reason: e.reason,
    extendedBy: e.extendedBy,
    extendedAt: new Date(e.extendedAt).toISOString(),
  }));
}

/** A request's status as its callers see it: open with each task, or completed with the certificate. */
function view(requestId: string, subjectId: string, state: ErasureState, auditUrl: string) {
  const done = state.completed.find((c) => c.request.requestId === requestId);
  if (done) {
    return {
      requestId,
      subjectId,
      status: 'completed',
      result: done.result,
      subjectKnown: subjectWasKnown(done.outcomes),
      dueAt: new Date(done.request.dueAt).toISOString(),
      deadlineExtensions: extensionsView(done.request.extensions),
      outcomes: done.outcomes,
      // What providers still keep, and whether the date they keep it until has passed.
      providerRetention: done.outcomes
        .filter((o) => o.outcome === 'provider-retention' && o.retainedUntil !== null)
        .map((o) => ({
          participantId: o.participantId,
          retainedUntil: new Date(o.retainedUntil!).toISOString(),
          elapsed: (done.providerRetentionElapsed ?? []).includes(o.participantId),
        })),
      certificate: done.certificate,
      // The audit service proves the completion (RFC 9162 inclusion in a signed tree head); the
      // erasure service links rather than asks it, so erasure never waits on the audit service.
      receipt: {
        href: `${auditUrl}/v1/erasure-requests/${encodeURIComponent(requestId)}/receipt`,
      },
    };
  }
  if (state.status === 'open') {
    return {
      requestId: state.request.requestId,
      subjectId,
      status: 'in-progress',
      ...(state.request.requestId !== requestId ? { joinedTo: state.request.requestId } : {}),
      dueAt: new Date(state.request.dueAt).toISOString(),
      deadlineExtensions: extensionsView(state.request.extensions),
      deadlineAtRisk: state.atRiskRaised ?? false,
      blockedByLegalObligation: state.blocked,
      blockedByHolds: state.blocked ? [...state.holds] : [],
      tasks: state.tasks.map((t) => ({
        participantId: t.participantId,
        phase: t.phase,
        status: t.status,
        attempts: t.attempt,
        outcome: t.result?.outcome ?? null,
        counts: t.result?.counts ?? {},
        verifiedEmpty: t.result?.verifiedEmpty ?? null,
        lastFailure: t.failureCode,
        nextAttemptAt: t.status === 'backoff' && t.retryAt != null ? new Date(t.retryAt).toISOString() : null,
      })),
    };
  }
  return notFound();
}

/** POST /v1/erasure-requests */
function requestErasureRoute(app: FastifyInstance, deps: ErasureRoutesDeps): void {
  app.post<{ Body: { subjectId: string; reason: (typeof REASONS)[number]; regulation?: string } }>(
    '/v1/erasure-requests',
    {
      config: { access: { scopes: ['service', 'operator'] }, idempotent: true },
      schema: {
        summary: 'Request the erasure of a subject',
        body: {
          type: 'object',
          required: ['subjectId', 'reason'],
          additionalProperties: false,
          properties: {
            subjectId: { type: 'string', minLength: 1, maxLength: 64 },
            reason: { type: 'string', enum: REASONS },
            regulation: { type: 'string', enum: ['GDPR', 'CCPA'] },
          },
        },
        response: { 202: { type: 'object', properties: { requestId: { type: 'string' } } } },
      },
    },
    async (request, reply) => {
      // With an Idempotency-Key the request id comes from the key: a retry finds the request.
      const fromKey = derivedId(request);
      const requestId = await deps.requestErasure({
        ...(fromKey ? { requestId: `req_${fromKey}` } : {}),
        subjectId: request.body.subjectId,
        reason: request.body.reason,
        regulation: request.body.regulation ?? null,
      });
      return reply.status(202).send({ requestId });
    },
  );
}

/** GET /v1/erasure-requests/:requestId */
function erasureRequestRoute(app: FastifyInstance, deps: ErasureRoutesDeps): void {
  app.get<{ Params: { requestId: string } }>(
    '/v1/erasure-requests/:requestId',
    {
      // A subject may follow its own requests (the user's dashboard); another's is not found.
      config: { access: { scopes: ['service', 'operator', 'auditor', 'subject'] } },
      schema: {
        summary: 'An erasure request: each participant, and the certificate once complete',
        params: requestIdParams,
      },
    },
    async (request) => {
      const found = await deps.load(request.params.requestId).catch((error: unknown) => {
        // Not caught up with the account log in time: the id may be one just given out.
        if ((error as { code?: unknown }).code === 'KAFKA_BARRIER_TIMEOUT')
          throw new ProblemError({
            status: 503,
            code: 'ERASURE_REQUEST_NOT_YET_KNOWN',
            title: 'Service Unavailable',
            detail: 'the erasure service is still reading new requests; retry shortly',
            retryAfterSeconds: 1,
          });
        throw error;
      });
      const caller = request.caller!;
      const subjectOnly = caller.scope.every((scope) => scope === 'subject');
      // Not found, rather than forbidden: a subject learns nothing of other subjects' requests.
      if (!found || (subjectOnly && caller.subjectId !== found.subjectId)) return notFound();
      const seen = view(request.params.requestId, found.subjectId, found.state, deps.auditUrl);
      // That a legal obligation holds the erasure is the subject's to know; which hold is not.
      return subjectOnly && 'blockedByHolds' in seen ? { ...seen, blockedByHolds: [] } : seen;
    },
  );
}

/** POST /v1/erasure-requests/:requestId/deadline-extensions */
function extendDeadlineRoute(app: FastifyInstance, deps: ErasureRoutesDeps): void {
  app.post<{ Params: { requestId: string }; Body: { dueAt: string; reason: string } }>(
    '/v1/erasure-requests/:requestId/deadline-extensions',
    {
      config: { access: { scopes: ['operator'] }, idempotent: true },
      schema: {
        summary:
          "Extend an open request's deadline as its regulation allows (GDPR: two more months; CCPA: 45 more days)",
        params: requestIdParams,
        body: {
          type: 'object',
          required: ['dueAt', 'reason'],
          additionalProperties: false,
          properties: {
            dueAt: { type: 'string', format: 'date-time' },
            reason: { type: 'string', enum: [...DEADLINE_EXTENSION_REASONS] },
          },
        },
      },
    },
    async (request, reply) => {
      const extended = await deps
        .extendDeadline(request.params.requestId, {
          dueAt: Date.parse(request.body.dueAt),
          reason: request.body.reason,
          extendedBy: request.caller?.sub ?? 'unknown',
        })
        .catch(asProblem);
      if (!extended) return notFound();
      return reply.status(201).send({
        requestId: request.params.requestId,
        previousDueAt: new Date(extended.previousDueAt).toISOString(),
        dueAt: new Date(extended.dueAt).toISOString(),
      });
    },
  );
}

/** POST /v1/erasure-requests/:requestId/retries */
function retryTaskRoute(app: FastifyInstance, deps: ErasureRoutesDeps): void {
  app.post<{ Params: { requestId: string }; Body: { participantId: string } }>(
    '/v1/erasure-requests/:requestId/retries',
    {
      config: { access: { scopes: ['operator'] } },
      schema: {
        summary:
          "Issue a participant's task again now: one that failed while the request is open, or one waiting out its backoff",
        params: requestIdParams,
        body: {
          type: 'object',
          required: ['participantId'],
          additionalProperties: false,
          properties: { participantId: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      const retried = await deps
        .retryTask(request.params.requestId, {
          participantId: request.body.participantId,
          retriedBy: request.caller?.sub ?? 'unknown',
        })
        .catch(asProblem);
      if (!retried) return notFound();
      return reply.status(202).send({
        requestId: request.params.requestId,
        participantId: request.body.participantId,
        attempt: retried.attempt,
      });
    },
  );
}

/** POST /v1/llm-disclosures */
function llmDisclosureRoute(app: FastifyInstance, deps: ErasureRoutesDeps): void {
  app.post<{
    Body: {
      subjectId: string;
      provider: 'openai' | 'anthropic';
      model: string;
      purpose: string;
      sentAt?: string;
    };
  }>(
    '/v1/llm-disclosures',
    {
      config: { access: { scopes: ['service'] }, idempotent: true },
      schema: {
        summary: "Record that a subject's data was sent to an LLM provider (its 30-day retention is tracked)",
        body: {
          type: 'object',
          required: ['subjectId', 'provider', 'model', 'purpose'],
          additionalProperties: false,
          properties: {
            subjectId: { type: 'string', minLength: 1, maxLength: 64 },
            provider: { type: 'string', enum: ['openai', 'anthropic'] },
            model: { type: 'string', minLength: 1, maxLength: 100 },
            purpose: { type: 'string', minLength: 1, maxLength: 100 },
            sentAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
    async (request, reply) => {
      const { sentAt, ...rest } = request.body;
      const fromKey = derivedId(request);
      const { consentGranted } = await deps
        .recordDisclosure({
          ...rest,
          ...(sentAt ? { sentAt: new Date(sentAt) } : {}),
          ...(fromKey ? { disclosureId: `llm_${fromKey}` } : {}),
          reportedBy: request.caller?.sub ?? 'unknown',
        })
        .catch((error: unknown) => {
          // The model and purpose are sealed under the subject's key, which an erasure destroyed.
          if ((error as { code?: unknown }).code === 'CRYPTO_SUBJECT_ERASED')
            throw new ProblemError({
              status: 409,
              title: 'Conflict',
              code: 'SUBJECT_ERASED',
              detail: 'the subject was erased: nothing more is recorded about it',
            });
          throw error;
        });
      // Recorded either way (the data has left); without the consent it is also a violation on
      // the access log, and the caller is told so.
      return reply.status(201).send({ recorded: true, consentGranted });
    },
  );
}

/** POST /v1/key-vault/reconcile */
function reconcileKeysRoute(app: FastifyInstance, deps: ErasureRoutesDeps): void {
  app.post(
    '/v1/key-vault/reconcile',
    {
      config: { access: { scopes: ['operator'] } },
      schema: {
        summary:
          'Shred again every key the erasure log says was shredded (run after restoring a key-vault backup)',
        response: {
          200: {
            type: 'object',
            properties: { checked: { type: 'integer' }, reapplied: { type: 'integer' } },
          },
        },
      },
    },
    async () => deps.reconcileKeys(),
  );
}

/** GET /v1/participants */
function participantsRoute(app: FastifyInstance, deps: ErasureRoutesDeps): void {
  app.get(
    '/v1/participants',
    {
      // A service too: the portal shows a subject where its data is kept, from these declarations.
      config: { access: { scopes: ['service', 'operator', 'auditor'] } },
      schema: { summary: 'Registered erasure participants' },
    },
    async () => ({
      participants: deps.directory.declared(),
    }),
  );
}

/** GET /v1/erasure-requests: what the operator console lists. */
function listRequestsRoute(app: FastifyInstance, deps: ErasureRoutesDeps): void {
  app.get<{ Querystring: { limit?: string; state?: 'open' | 'completed' } }>(
    '/v1/erasure-requests',
    {
      config: { access: { scopes: ['operator', 'auditor'] } },
      schema: {
        summary:
          'The erasure requests not yet completed, each with where it stands against its deadline (state=open, the default), or the latest completed (state=completed)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            // A query string is text (the service coerces no types): 1 to 10000.
            limit: { type: 'string', pattern: '^(10000|[1-9][0-9]{0,3})$' },
            state: { type: 'string', enum: ['open', 'completed'] },
          },
        },
      },
    },
    async (request) => {
      const limit = request.query.limit === undefined ? 1_000 : Number(request.query.limit);
      return request.query.state === 'completed'
        ? { requests: await deps.completedRequests(limit) }
        : { requests: await deps.openRequests(limit) };
    },
  );
}

export async function erasureRoutes(app: FastifyInstance, deps: ErasureRoutesDeps): Promise<void> {
  requestErasureRoute(app, deps);
  listRequestsRoute(app, deps);
  erasureRequestRoute(app, deps);
  retryTaskRoute(app, deps);
  extendDeadlineRoute(app, deps);
  llmDisclosureRoute(app, deps);
  participantsRoute(app, deps);
  reconcileKeysRoute(app, deps);
}
