import formBody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

import type { Logger } from '@lethe/logger';
import {
  buildServiceApp,
  type ServerTls,
  type ServiceFetch,
  type ServiceOperations,
  type TokenClaims,
} from '@lethe/service-kit';

import type { LetheApi } from './api/lethe-api';
import type { OperatorApi } from './api/operator-api';
import type { TaskQueues } from './api/service-metrics';
import type { OidcSignIn } from './console/oidc-sign-in';
import { operatorSessions } from './console/operator-sessions';
import { consoleRoutes } from './http/console-routes';
import { assetRoutes } from './http/assets';
import { sendPage, type PortalDeps } from './http/context';
import { dashboardRoutes } from './http/dashboard-routes';
import { exportRoutes } from './http/export-routes';
import { keepRoutes } from './http/keep-routes';
import { inactivityNotices } from './mail/inactivity-notices';
import { keepLinks } from './mail/keep-links';
import { openDsrRoutes } from './http/opendsr-routes';
import { signInRoutes } from './http/sign-in-routes';
import { openDsrCallbacks, type OpenDsrCallbacks } from './opendsr/opendsr-callbacks';
import { openDsrProcessor } from './opendsr/opendsr-processor';
import { openDsrSigner } from './opendsr/opendsr-signer';
import { openDsrStore, type OpenDsrRecord } from './opendsr/opendsr-store';
import { completionNotices, type CompletionNotices } from './mail/completion-notices';
import type { Mailer } from './mail/mailer';
import { signInCodes } from './sign-in/codes';
import { redisSessions } from './sign-in/sessions';
import { messagePage } from './views/sign-in';

export interface PortalServiceDeps {
  redis: Redis;
  api: LetheApi;
  mailer: Mailer;
  logger: Logger;
  /** Where users reach the portal (links in mails; the Origin its forms must come from). */
  publicUrl: string;
  /** Keys the portal derives from its own secret: sign-in hashes, sealed addresses and tokens. */
  secrets: { signIn: Buffer; notices: Buffer; console: Buffer };
  /** The operator console: the services' APIs with the operator's token, and its check. */
  console: {
    api: OperatorApi;
    verify: (token: string) => TokenClaims;
    taskQueues: () => Promise<TaskQueues>;
    /** Operator sign-in through the OpenID provider, when one is configured. */
    oidc?: OidcSignIn | undefined;
  };
  /** The OpenDSR processor endpoints: signing, controller tokens (audience `portal`), callbacks. */
  opendsr?: {
    domain: string;
    certificatePem: string;
    keyPem: string;
    callbackHosts: readonly string[];
    verify: (token: string) => TokenClaims;
    fetch: ServiceFetch;
    /** Where the records are kept in Redis (a test keeps its own). */
    keyPrefix?: string;
  };
  https?: ServerTls | undefined;
  operations?: ServiceOperations;
  now?: () => number;
}

export interface PortalService {
  app: FastifyInstance;
  notices: CompletionNotices;
  /** Mails the retention log's inactivity notices (main.ts feeds it from its consumer). */
  inactivity: ReturnType<typeof inactivityNotices>;
  /** The OpenDSR callbacks (main.ts starts their loop); undefined without OpenDSR. */
  opendsrCallbacks: OpenDsrCallbacks | undefined;
}

export async function createPortalService(deps: PortalServiceDeps): Promise<PortalService> {
  const notices = completionNotices({
    redis: deps.redis,
    api: deps.api,
    mailer: deps.mailer,
    key: deps.secrets.notices,
    statusUrl: (requestId) => `${deps.publicUrl}/requests/${requestId}`,
    exportUrl: (requestId) => `${deps.publicUrl}/exports/${requestId}`,
    logger: deps.logger,
  });
  const links = keepLinks(deps.redis);
  const inactivity = inactivityNotices({
    redis: deps.redis,
    api: deps.api,
    mailer: deps.mailer,
    links,
    keepUrl: (token) => `${deps.publicUrl}/keep/${token}`,
    logger: deps.logger,
  });
  const portal: PortalDeps = {
    api: deps.api,
    codes: signInCodes(deps.redis, deps.secrets.signIn),
    sessions: redisSessions(deps.redis, deps.now),
    mailer: deps.mailer,
    notices,
    publicUrl: deps.publicUrl,
    origin: new URL(deps.publicUrl).origin,
  };
  // The service kit's app: /livez, /readyz, /metrics and the access log. The portal's pages
  // are public to the kit (no bearer token): they are guarded by the session cookie instead.
  const app = buildServiceApp({
    name: 'portal',
    version: '0.1.0',
    logger: deps.logger,
    publicKeys: [],
    ...(deps.https ? { https: deps.https } : {}),
    ...(deps.operations ? { operations: deps.operations } : {}),
    readiness: { redis: async () => (await deps.redis.ping()) === 'PONG' },
  });
  await app.register(cookie);
  await app.register(formBody, { bodyLimit: 16_384 });
  await app.register(async (scope) => {
    // A page's failure is a page too; what failed goes to the log, never to the visitor.
    scope.setErrorHandler((error, request, reply) => {
      request.log.error({ err: error }, 'portal page failed');
      return sendPage(
        reply,
        502,
        messagePage('Something went wrong', 'We could not complete this just now. Try again in a minute.'),
      );
    });
    signInRoutes(scope, portal);
    dashboardRoutes(scope, portal);
    exportRoutes(scope, portal);
    keepRoutes(scope, { ...portal, keepLinks: links, now: deps.now ?? Date.now });
    consoleRoutes(scope, {
      api: deps.console.api,
      verify: deps.console.verify,
      taskQueues: deps.console.taskQueues,
      oidc: deps.console.oidc,
      sessions: operatorSessions(deps.redis, deps.secrets.console, deps.now),
      publicUrl: deps.publicUrl,
    });
    assetRoutes(scope);
  });
  const opendsrCallbacks = deps.opendsr ? await openDsr(app, deps, deps.opendsr) : undefined;
  return { app, notices, inactivity, opendsrCallbacks };
}

async function openDsr(
  app: FastifyInstance,
  deps: PortalServiceDeps,
  settings: NonNullable<PortalServiceDeps['opendsr']>,
): Promise<OpenDsrCallbacks> {
  const store = openDsrStore(deps.redis, settings.keyPrefix);
  const processor = openDsrProcessor({ api: deps.api, store, ...(deps.now ? { now: deps.now } : {}) });
  const signer = openDsrSigner(settings);
  const resultsUrl = (record: OpenDsrRecord) =>
    record.type !== 'erasure' && record.subjectId !== null
      ? `${deps.publicUrl}/v1/opendsr_requests/${record.subjectRequestId}/results`
      : undefined;
  await openDsrRoutes(app, {
    processor,
    store,
    signer,
    verify: settings.verify,
    publicUrl: deps.publicUrl,
    resultsUrl,
    callbackHosts: settings.callbackHosts,
  });
  return openDsrCallbacks({
    store,
    processor,
    signer,
    fetch: settings.fetch,
    resultsUrl,
    logger: deps.logger,
    ...(deps.now ? { now: deps.now } : {}),
  });
}
