import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { ExportView } from '../api/lethe-api';
import { exportRequestPage, exportsPage, packagePage } from '../views/exports';
import { notFoundPage, requireSession, sendPage, type FormRequest, type PortalDeps } from './context';
import { securityHeaders } from './security';

// Download my data: the erasure service runs the access request and keeps the package; these
// pages ask for it, follow it and hand it over, always with the signed-in subject's own token,
// so a request id of another subject is simply not found there.

const PUBLIC = { config: { access: { public: true } } } as const;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

type RequestOf = FastifyRequest<{ Params: { requestId: string } }>;

export function exportRoutes(app: FastifyInstance, deps: PortalDeps): void {
  app.get<{ Querystring: { asked?: string } }>('/exports', PUBLIC, async (request, reply) => {
    const session = await requireSession(request, reply, deps);
    if (!session) return reply;
    const notice = request.query.asked === '1' ? 'Your copy is being prepared.' : undefined;
    return sendPage(reply, 200, exportsPage(session.csrf, await deps.api.exports(session.subjectId), notice));
  });

  app.post('/exports', PUBLIC, async (request: FormRequest, reply) => {
    const session = await requireSession(request, reply, deps, { form: true });
    if (!session) return reply;
    const profile = await deps.api.profile(session.subjectId);
    const view = await deps.api.requestExport(session.subjectId);
    // The ready mail goes to the account's address, kept sealed until it is sent.
    if (profile) await deps.notices.expect(view.requestId, session.subjectId, profile.email, 'export');
    securityHeaders(reply, true);
    return reply.redirect(`/exports/${view.requestId}`, 303);
  });

  /** The signed-in subject's own access request, or an answer already sent. */
  const own = async (
    request: RequestOf,
    reply: FastifyReply,
  ): Promise<{ csrf: string; subjectId: string; view: ExportView } | undefined> => {
    const session = await requireSession(request, reply, deps);
    if (!session) return undefined;
    const { requestId } = request.params;
    const view = REQUEST_ID.test(requestId)
      ? await deps.api.exportRequest(session.subjectId, requestId)
      : undefined;
    if (!view) {
      notFoundPage(reply);
      return undefined;
    }
    return { csrf: session.csrf, subjectId: session.subjectId, view };
  };

  // The page, and the same page again for the script that refreshes its progress part.
  for (const path of ['/exports/:requestId', '/exports/:requestId/progress']) {
    app.get<{ Params: { requestId: string } }>(path, PUBLIC, async (request, reply) => {
      const found = await own(request, reply);
      return found ? sendPage(reply, 200, exportRequestPage(found.csrf, found.view)) : reply;
    });
  }

  /** The package's JSON while it is kept, or an answer already sent. */
  const packageOf = async (request: RequestOf, reply: FastifyReply) => {
    const found = await own(request, reply);
    if (!found) return undefined;
    const json = await deps.api.exportPackage(found.subjectId, found.view.requestId);
    if (!json) {
      notFoundPage(reply);
      return undefined;
    }
    return { ...found, json };
  };

  app.get<{ Params: { requestId: string } }>(
    '/exports/:requestId/my-data.json',
    PUBLIC,
    async (request, reply) => {
      const found = await packageOf(request, reply);
      if (!found) return reply;
      securityHeaders(reply, true);
      // The exact bytes the digest is of.
      return reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="my-data-${found.view.requestId}.json"`)
        .send(found.json);
    },
  );

  app.get<{ Params: { requestId: string } }>(
    '/exports/:requestId/my-data.html',
    PUBLIC,
    async (request, reply) => {
      const found = await packageOf(request, reply);
      return found ? sendPage(reply, 200, packagePage(found.csrf, found.json)) : reply;
    },
  );
}
