import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { derivedId, ProblemError } from '@lethe/service-kit';

import type { HoldText, NewHold } from '../holds/legal-holds';

import type { RetentionPolicy } from '../policy/policy';
import { nextWakeup } from '../retention/decider';
import { RetentionError, type LegalHold, type RetentionState } from '../retention/model';

export interface RetentionRoutesDeps {
  policy: RetentionPolicy;
  activations: () => Promise<readonly { policyVersion: string; digest: string; activatedAt: number }[]>;
  read: (subjectId: string) => Promise<RetentionState | undefined>;
  placeHold: (hold: NewHold) => Promise<void>;
  releaseHold: (holdId: string, releasedBy: string) => Promise<void>;
  holdText: (subjectId: string, hold: LegalHold) => Promise<HoldText>;
  now: () => Date;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function asProblem(error: unknown): never {
  if (error instanceof RetentionError && error.retriable)
    throw new ProblemError({
      status: 503,
      title: 'Service Unavailable',
      code: error.code,
      detail: error.message,
      retryAfterSeconds: 1,
    });
  if (error instanceof RetentionError)
    throw new ProblemError({ status: 404, title: 'Not Found', code: error.code, detail: error.message });
  throw error;
}

/** POST /v1/legal-holds */
function placeHoldRoute(app: FastifyInstance, deps: RetentionRoutesDeps): void {
  app.post<{ Body: { subjectId: string; reference: string; reason: string; until?: string } }>(
    '/v1/legal-holds',
    {
      config: { access: { scopes: ['operator'] }, idempotent: true },
      schema: {
        summary: 'Place a legal hold: the subject is not erased while it stands',
        body: {
          type: 'object',
          required: ['subjectId', 'reference', 'reason'],
          additionalProperties: false,
          properties: {
            subjectId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
            reference: { type: 'string', minLength: 1, maxLength: 200 },
            reason: { type: 'string', minLength: 1, maxLength: 500 },
            until: { type: 'string', format: 'date-time' },
          },
        },
        response: { 201: { type: 'object', properties: { holdId: { type: 'string' } } } },
      },
    },
    async (request, reply) => {
      const until = request.body.until ? Date.parse(request.body.until) : null;
      if (until !== null && until <= deps.now().getTime())
        throw new ProblemError({
          status: 422,
          title: 'Unprocessable Content',
          code: 'RETENTION_HOLD_UNTIL_PAST',
          detail: '`until` must be in the future',
        });
      // With an Idempotency-Key the hold id comes from the key: a retry finds the same hold.
      const holdId = `hold_${derivedId(request) ?? randomUUID().replace(/-/g, '')}`;
      await deps
        .placeHold({
          subjectId: request.body.subjectId,
          holdId,
          reference: request.body.reference,
          reason: request.body.reason,
          placedBy: request.caller?.sub ?? 'operator',
          until,
        })
        .catch(asProblem);
      return reply.status(201).send({ holdId });
    },
  );
}

/** DELETE /v1/legal-holds/:holdId */
function releaseHoldRoute(app: FastifyInstance, deps: RetentionRoutesDeps): void {
  app.delete<{ Params: { holdId: string } }>(
    '/v1/legal-holds/:holdId',
    {
      config: { access: { scopes: ['operator'] } },
      schema: {
        summary: "Release a legal hold; the subject's erasure resumes when its last hold is released",
        params: {
          type: 'object',
          required: ['holdId'],
          properties: { holdId: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      await deps.releaseHold(request.params.holdId, request.caller?.sub ?? 'operator').catch(asProblem);
      return reply.status(204).send();
    },
  );
}

/** GET /v1/subjects/:subjectId/retention */
function subjectRetentionRoute(app: FastifyInstance, deps: RetentionRoutesDeps): void {
  app.get(
    '/v1/subjects/:subjectId/retention',
    {
      config: {
        access: {
          scopes: ['service', 'operator', 'auditor', 'subject'],
          subjectParam: 'subjectId',
          // Operators and auditors see why each legal hold stands: text about the subject.
          personalData: { fields: ['holds'] },
        },
      },
      schema: {
        summary:
          "A subject's retention clocks, legal holds, next expiry and the policy version that decided it",
        params: {
          type: 'object',
          required: ['subjectId'],
          properties: { subjectId: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (request: FastifyRequest<{ Params: { subjectId: string } }>) => {
      const state = await deps.read(request.params.subjectId);
      if (!state?.known)
        throw new ProblemError({
          status: 404,
          title: 'Not Found',
          code: 'RETENTION_SUBJECT_UNKNOWN',
          detail: 'no such subject',
        });
      const wake = nextWakeup(state);
      const readsHoldText = request.caller?.scope.some(
        (scope) => scope === 'operator' || scope === 'auditor',
      );
      return {
        subjectId: request.params.subjectId,
        policyVersion: deps.policy.version,
        clocks: Object.entries(state.clocks).map(([clock, run]) => ({
          clock,
          policyVersion: run.policyVersion,
          startedAt: iso(run.startedAt),
          expiresAt: iso(run.expiresAt),
          noticeAt: iso(run.noticeAt),
          noticed: run.noticed,
        })),
        holds: await Promise.all(
          Object.values(state.holds).map(async (hold) => {
            const { sealed: _sealed, ...shown } = hold;
            return {
              ...shown,
              // Why a hold stands is for operators and auditors, not for the subject or a service.
              ...(readsHoldText ? await deps.holdText(request.params.subjectId, hold) : {}),
              placedAt: iso(hold.placedAt),
              until: iso(hold.until),
            };
          }),
        ),
        erasureBlocked: Object.keys(state.holds).length > 0,
        nextExpiry: iso(
          Object.values(state.clocks).reduce<number | null>(
            (soonest, run) => (soonest === null || run.expiresAt < soonest ? run.expiresAt : soonest),
            null,
          ),
        ),
        nextWakeup: wake?.toISOString() ?? null,
        expired: state.expired.map((expiry) => ({ ...expiry, expiredAt: iso(expiry.expiredAt) })),
      };
    },
  );
}

/** GET /v1/policies */
function policiesRoute(app: FastifyInstance, deps: RetentionRoutesDeps): void {
  app.get(
    '/v1/policies',
    {
      config: { access: { scopes: ['service', 'operator', 'auditor'] } },
      schema: { summary: 'The active retention policy and every activation' },
    },
    async () => ({
      active: {
        version: deps.policy.version,
        digest: deps.policy.digest,
        clocks: deps.policy.clocks.map(({ expiresAfterMs, noticeBeforeMs, ...clock }) => ({
          ...clock,
          expiresAfterDays: expiresAfterMs / 86_400_000,
          noticeBeforeDays: noticeBeforeMs === null ? null : noticeBeforeMs / 86_400_000,
        })),
        legalHoldsBlockErasure: deps.policy.legalHoldsBlockErasure,
        llmProviderRetentionDays: deps.policy.llmProviderRetentionMs / 86_400_000,
        keepAnonymousData: deps.policy.keepAnonymousData,
      },
      activations: (await deps.activations()).map((a) => ({ ...a, activatedAt: iso(a.activatedAt) })),
    }),
  );
}

export async function retentionRoutes(app: FastifyInstance, deps: RetentionRoutesDeps): Promise<void> {
  placeHoldRoute(app, deps);
  releaseHoldRoute(app, deps);
  subjectRetentionRoute(app, deps);
  policiesRoute(app, deps);
}
