import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { newRequestId as newLetheRequestId } from '@lethe/events';
import { derivedId, ProblemError } from '@lethe/service-kit';
import type { CommandContext, CommandHandler, HandledCommand } from '@lethe/eventstore';

import {
  AccountError,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type Profile,
} from '../account/model';
import { NEW_PROFILE_SCHEMA, PROFILE_CHANGES_SCHEMA } from '../account/profile-schema';
import { CacheUnavailableAfterCommit } from '../cache/profile-cache';

export interface AccountRoutesDeps {
  handle: CommandHandler<AccountCommand, AccountEvent, AccountState>;
  read: (subjectId: string) => Promise<AccountState | undefined>;
  now: () => Date;
  createSession: (subjectId: string) => Promise<string>;
  /** The live account with this address, if any (the portal's sign-in). */
  findByEmail: (email: string) => Promise<string | undefined>;
  /** Resolves once what was just committed is on Kafka (the outbox relay's `published`). */
  published?: (timeoutMs: number) => Promise<boolean>;
  newSubjectId?: () => string;
  newRequestId?: () => string;
}

const subjectParams = {
  type: 'object',
  required: ['subjectId'],
  properties: { subjectId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;
const profileResponse = {
  type: 'object',
  properties: {
    subjectId: { type: 'string' },
    status: { type: 'string', enum: ['active', 'deactivated'] },
    email: { type: 'string' },
    name: { type: 'string' },
    phone: { type: ['string', 'null'] },
    timezone: { type: ['string', 'null'] },
    lastActiveDay: { type: 'string' },
    deletionRequestId: { type: ['string', 'null'] },
  },
} as const;

const PROBLEM_OF: Record<AccountError['code'], { status: number; title: string }> = {
  ACCOUNT_NOT_FOUND: { status: 404, title: 'Not Found' },
  // Once erased, an account is gone for its readers; the erasure itself is in the audit trail.
  ACCOUNT_ERASED: { status: 404, title: 'Not Found' },
  ACCOUNT_EXISTS: { status: 409, title: 'Conflict' },
  ACCOUNT_DEACTIVATED: { status: 409, title: 'Conflict' },
};

function asProblem(error: unknown): never {
  if (error instanceof AccountError) {
    throw new ProblemError({ ...PROBLEM_OF[error.code], code: error.code, detail: error.message });
  }
  if (error instanceof CacheUnavailableAfterCommit) {
    throw new ProblemError({
      status: 503,
      title: 'Service Unavailable',
      code: error.code,
      detail: `${error.message} with the same Idempotency-Key to get the same result`,
      retryAfterSeconds: 1,
    });
  }
  throw error;
}

function contextOf(request: FastifyRequest, now: Date): CommandContext {
  // A caller may tie the command to its own flow; otherwise the request id is the flow.
  const header = request.headers['x-correlation-id'];
  const correlationId =
    typeof header === 'string' && /^[A-Za-z0-9_.:-]{1,100}$/.test(header) ? header : request.id;
  return { now, correlationId, causationId: null };
}

function view(subjectId: string, state: AccountState) {
  if (state.status === 'none' || state.status === 'erased')
    asProblem(new AccountError('ACCOUNT_NOT_FOUND', 'no such account'));
  return {
    subjectId,
    status: state.status,
    ...state.profile,
    lastActiveDay: state.lastActiveDay,
    deletionRequestId: state.deletionRequestId,
  };
}

type SubjectRequest = FastifyRequest<{ Params: { subjectId: string } }>;

/** How long a deletion's answer waits for its event to reach Kafka. */
const PUBLISH_WAIT_MS = 5_000;

/** What every route uses: the deps, with defaults filled in and a command runner. */
interface AccountRouteKit extends AccountRoutesDeps {
  newSubjectId: () => string;
  newRequestId: () => string;
  /** Decides a command made at this instant, in the request's context; errors become problems. */
  run(
    request: FastifyRequest,
    subjectId: string,
    command: (now: Date) => AccountCommand,
  ): Promise<HandledCommand<AccountEvent, AccountState>>;
}

const READ_ACCESS = { scopes: ['service', 'operator', 'subject'] as const, subjectParam: 'subjectId' };
/** The profile's personal fields: an answer that carries them is recorded (PersonalDataAccessed). */
const PROFILE_ACCESS = { ...READ_ACCESS, personalData: { fields: ['email', 'name', 'phone', 'timezone'] } };

export async function accountRoutes(app: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  const kit: AccountRouteKit = {
    ...deps,
    newSubjectId: deps.newSubjectId ?? (() => `sub_${randomUUID().replace(/-/g, '')}`),
    newRequestId: deps.newRequestId ?? newLetheRequestId,
    run: async (request, subjectId, command) => {
      const now = deps.now();
      return deps.handle(subjectId, command(now), contextOf(request, now)).catch(asProblem);
    },
  };
  openAccountRoute(app, kit);
  readAccountRoute(app, kit);
  changeProfileRoute(app, kit);
  recordActivityRoute(app, kit);
  openSessionRoute(app, kit);
  deactivateRoute(app, kit);
  reactivateRoute(app, kit);
  deleteAccountRoute(app, kit);
  lookupRoute(app, kit);
}

/** POST /v1/account-lookups: the body keeps the address out of URLs and access logs. */
function lookupRoute(app: FastifyInstance, deps: AccountRouteKit): void {
  app.post<{ Body: { email: string } }>(
    '/v1/account-lookups',
    {
      // A service only (the portal, to sign a user in); a subject already knows its own id.
      config: { access: { scopes: ['service'] } },
      schema: {
        summary: 'Find the live account with an email address',
        body: {
          type: 'object',
          required: ['email'],
          additionalProperties: false,
          properties: { email: { type: 'string', minLength: 3, maxLength: 320 } },
        },
        response: { 200: { type: 'object', properties: { subjectId: { type: 'string' } } } },
      },
    },
    async (request) => {
      const subjectId = await deps.findByEmail(request.body.email);
      if (subjectId === undefined)
        throw new ProblemError({
          status: 404,
          title: 'Not Found',
          code: 'ACCOUNT_NOT_FOUND',
          detail: 'no live account has that address',
        });
      return { subjectId };
    },
  );
}

/** POST /v1/accounts */
function openAccountRoute(app: FastifyInstance, deps: AccountRouteKit): void {
  app.post<{ Body: Profile }>(
    '/v1/accounts',
    {
      config: { access: { scopes: ['service', 'operator'] }, idempotent: true },
      schema: {
        summary: 'Open an account',
        body: NEW_PROFILE_SCHEMA,
        response: { 201: { type: 'object', properties: { subjectId: { type: 'string' } } } },
      },
    },
    async (request, reply) => {
      // With an Idempotency-Key the id comes from the key: a retry finds the account it opened.
      const fromKey = derivedId(request);
      const subjectId = fromKey ? `sub_${fromKey}` : deps.newSubjectId();
      const { email: e, name: n, phone: p = null, timezone: t = null } = request.body;
      await deps.run(request, subjectId, (now) => ({
        type: 'OpenAccount',
        data: { email: e, name: n, phone: p, timezone: t, source: 'http' },
        metadata: { now },
      }));
      return reply.status(201).send({ subjectId });
    },
  );
}

/** GET /v1/accounts/:subjectId */
function readAccountRoute(app: FastifyInstance, deps: AccountRouteKit): void {
  app.get(
    '/v1/accounts/:subjectId',
    {
      config: { access: PROFILE_ACCESS },
      schema: {
        summary: 'Read an account profile',
        params: subjectParams,
        response: { 200: profileResponse },
      },
    },
    async (request: SubjectRequest) => {
      const state = await deps.read(request.params.subjectId);
      return view(request.params.subjectId, state ?? { status: 'none' });
    },
  );
}

/** PATCH /v1/accounts/:subjectId */
function changeProfileRoute(app: FastifyInstance, deps: AccountRouteKit): void {
  app.patch<{ Params: { subjectId: string }; Body: Partial<Profile> }>(
    '/v1/accounts/:subjectId',
    {
      config: { access: PROFILE_ACCESS },
      schema: {
        summary: 'Change profile fields',
        params: subjectParams,
        body: PROFILE_CHANGES_SCHEMA,
        response: { 200: profileResponse },
      },
    },
    async (request) => {
      const { subjectId } = request.params;
      const result = await deps.run(request, subjectId, (now) => ({
        type: 'UpdateProfile',
        data: request.body,
        metadata: { now },
      }));
      return view(subjectId, result.state);
    },
  );
}

/** POST /v1/accounts/:subjectId/activity */
function recordActivityRoute(app: FastifyInstance, deps: AccountRouteKit): void {
  app.post(
    '/v1/accounts/:subjectId/activity',
    {
      config: { access: READ_ACCESS },
      schema: { summary: 'Record that the user was active', params: subjectParams },
    },
    async (request: SubjectRequest, reply) => {
      await deps.run(request, request.params.subjectId, (now) => ({
        type: 'RecordActivity',
        data: { channel: 'http' },
        metadata: { now },
      }));
      return reply.status(204).send();
    },
  );
}

/** POST /v1/accounts/:subjectId/sessions */
function openSessionRoute(app: FastifyInstance, deps: AccountRouteKit): void {
  app.post(
    '/v1/accounts/:subjectId/sessions',
    {
      config: { access: READ_ACCESS },
      schema: {
        summary: 'Open a session (kept in Redis, indexed for erasure)',
        params: subjectParams,
        response: { 201: { type: 'object', properties: { sessionId: { type: 'string' } } } },
      },
    },
    async (request: SubjectRequest, reply) => {
      const state = await deps.read(request.params.subjectId);
      if (state?.status !== 'active') asProblem(new AccountError('ACCOUNT_NOT_FOUND', 'no active account'));
      return reply.status(201).send({ sessionId: await deps.createSession(request.params.subjectId) });
    },
  );
}

/** POST /v1/accounts/:subjectId/deactivate */
function deactivateRoute(app: FastifyInstance, deps: AccountRouteKit): void {
  app.post(
    '/v1/accounts/:subjectId/deactivate',
    { config: { access: READ_ACCESS }, schema: { summary: 'Deactivate the account', params: subjectParams } },
    async (request: SubjectRequest, reply) => {
      await deps.run(request, request.params.subjectId, (now) => ({
        type: 'Deactivate',
        data: { reason: null },
        metadata: { now },
      }));
      return reply.status(204).send();
    },
  );
}

/** POST /v1/accounts/:subjectId/reactivate: stops the retention policy's deactivation clock. */
function reactivateRoute(app: FastifyInstance, deps: AccountRouteKit): void {
  app.post(
    '/v1/accounts/:subjectId/reactivate',
    {
      config: { access: READ_ACCESS },
      schema: { summary: 'Reactivate a deactivated account', params: subjectParams },
    },
    async (request: SubjectRequest, reply) => {
      await deps.run(request, request.params.subjectId, (now) => ({
        type: 'Reactivate',
        data: { reason: null },
        metadata: { now },
      }));
      return reply.status(204).send();
    },
  );
}

/** DELETE /v1/accounts/:subjectId */
function deleteAccountRoute(app: FastifyInstance, deps: AccountRouteKit): void {
  app.delete(
    '/v1/accounts/:subjectId',
    {
      config: { access: READ_ACCESS },
      schema: {
        summary: 'Delete the account and all personal data ("delete my account")',
        params: subjectParams,
        response: { 202: { type: 'object', properties: { requestId: { type: 'string' } } } },
      },
    },
    async (request: SubjectRequest, reply) => {
      const requestId = deps.newRequestId();
      const result = await deps.run(request, request.params.subjectId, (now) => ({
        type: 'RequestDeletion',
        data: { requestId, reason: 'user-request', regulation: null },
        metadata: { now },
      }));
      // A request while one is open joins it: the caller gets the open request's id.
      const open =
        result.state.status === 'active' || result.state.status === 'deactivated'
          ? result.state.deletionRequestId
          : null;
      // The request is on the account log before the caller has its id, so the erasure service
      // can always find what the caller polls (it catches up with the log on a miss). Accepted
      // either way: a request not yet published is published by the relay later.
      await deps.published?.(PUBLISH_WAIT_MS);
      return reply.status(202).send({ requestId: open ?? requestId });
    },
  );
}
