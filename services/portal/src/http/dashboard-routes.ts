import { createHash } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { erasureReceivedMail } from '../mail/messages';
import { consentsPage, myDataPage } from '../views/dashboard';
import { certificatePage, deletePage, receiptPendingPage, requestPage } from '../views/erasure';
import { messagePage } from '../views/sign-in';
import { notFoundPage, requireSession, sendPage, type FormRequest, type PortalDeps } from './context';
import { securityHeaders } from './security';

const PUBLIC = { config: { access: { public: true } } } as const;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The proof recorded with a choice: the SHA-256 of exactly the text the subject was shown. */
export const textHashOf = (shownText: string) =>
  `sha256:${createHash('sha256').update(shownText).digest('hex')}`;

export function dashboardRoutes(app: FastifyInstance, deps: PortalDeps): void {
  app.get('/', PUBLIC, async (request, reply) => {
    const session = await requireSession(request, reply, deps);
    if (!session) return reply;
    const profile = await deps.api.profile(session.subjectId);
    if (!profile) {
      // Deleted (or being deleted): what is left to show is the request.
      if (session.requestId) {
        securityHeaders(reply, true);
        return reply.redirect(`/requests/${session.requestId}`, 303);
      }
      return sendPage(
        reply,
        404,
        messagePage('No account', 'There is no account for this sign-in any more.'),
      );
    }
    return sendPage(reply, 200, myDataPage(session.csrf, profile, await deps.api.participants()));
  });

  app.get<{ Querystring: { changed?: string } }>('/consents', PUBLIC, async (request, reply) => {
    const session = await requireSession(request, reply, deps);
    if (!session) return reply;
    const gpc = request.headers['sec-gpc'] === '1';
    const [{ purposes }, consents] = await Promise.all([
      deps.api.purposes(),
      deps.api.consents(session.subjectId, gpc),
    ]);
    const changed = purposes.find((p) => p.id === request.query.changed);
    const notice = changed ? `Your choice is recorded: ${changed.description}` : undefined;
    return sendPage(reply, 200, consentsPage(session.csrf, purposes, consents, gpc, notice));
  });

  app.post<{ Params: { purpose: string }; Body: Record<string, string | undefined> | undefined }>(
    '/consents/:purpose',
    PUBLIC,
    async (request, reply) => {
      const session = await requireSession(request, reply, deps, { form: true });
      if (!session) return reply;
      const { policyVersion, purposes } = await deps.api.purposes();
      const purpose = purposes.find((p) => p.id === request.params.purpose);
      const granted = request.body?.granted;
      if (!purpose || (granted !== 'true' && granted !== 'false'))
        return sendPage(
          reply,
          400,
          messagePage('Not recorded', 'That choice is not one we offer.', {
            href: '/consents',
            label: 'Back to your consents',
          }),
        );
      await deps.api.decide(
        session.subjectId,
        purpose.id,
        { granted: granted === 'true', policyVersion, textHash: textHashOf(purpose.description) },
        request.headers['sec-gpc'] === '1',
      );
      securityHeaders(reply, true);
      return reply.redirect(`/consents?changed=${encodeURIComponent(purpose.id)}`, 303);
    },
  );

  app.get('/delete', PUBLIC, async (request, reply) => {
    const session = await requireSession(request, reply, deps);
    if (!session) return reply;
    return sendPage(reply, 200, deletePage(session.csrf, session.requestId));
  });

  app.post('/delete', PUBLIC, async (request: FormRequest, reply) => {
    const session = await requireSession(request, reply, deps, { form: true });
    if (!session) return reply;
    if (request.body?.confirm !== 'yes')
      return sendPage(
        reply,
        400,
        messagePage('Not deleted', 'Tick the box to confirm, then press Delete my account.', {
          href: '/delete',
          label: 'Back',
        }),
      );
    const profile = await deps.api.profile(session.subjectId);
    const requestId = await deps.api.deleteAccount(session.subjectId);
    await deps.sessions.remember(session, requestId);
    if (profile) {
      const statusUrl = `${deps.publicUrl}/requests/${requestId}`;
      await deps.notices.expect(requestId, session.subjectId, profile.email);
      // The request stands whether or not this mail goes: its failure is logged, not shown.
      await deps.mailer
        .send(erasureReceivedMail(profile.email, statusUrl))
        .catch((error: unknown) =>
          request.log.error({ err: error }, 'the request-received mail could not be sent'),
        );
    }
    securityHeaders(reply, true);
    return reply.redirect(`/requests/${requestId}`, 303);
  });

  // The erasure service shows a subject token only its own requests: another's is 404 there.
  const ownRequest = async (subjectId: string, requestId: string) =>
    REQUEST_ID.test(requestId) ? deps.api.erasureRequest(subjectId, requestId) : undefined;

  for (const path of ['/requests/:requestId', '/requests/:requestId/progress']) {
    app.get<{ Params: { requestId: string } }>(path, PUBLIC, async (request, reply) => {
      const session = await requireSession(request, reply, deps);
      if (!session) return reply;
      const { requestId } = request.params;
      const view = await ownRequest(session.subjectId, requestId);
      // Not yet read by the erasure service: shown as received only for the session's own request.
      if (!view && session.requestId !== requestId) return notFoundPage(reply);
      return sendPage(reply, 200, requestPage(session.csrf, requestId, view));
    });
  }

  /** The signed-in subject's completed request and its certificate, or an answer already sent. */
  const certified = async (
    request: FastifyRequest<{ Params: { requestId: string } }>,
    reply: FastifyReply,
  ) => {
    const session = await requireSession(request, reply, deps);
    if (!session) return undefined;
    const view = await ownRequest(session.subjectId, request.params.requestId);
    if (!view?.certificate) {
      notFoundPage(reply);
      return undefined;
    }
    return { session, view: { ...view, certificate: view.certificate } };
  };

  app.get<{ Params: { requestId: string } }>(
    '/requests/:requestId/certificate',
    PUBLIC,
    async (request, reply) => {
      const found = await certified(request, reply);
      return found ? sendPage(reply, 200, certificatePage(found.session.csrf, found.view)) : reply;
    },
  );

  app.get<{ Params: { requestId: string } }>(
    '/requests/:requestId/certificate.json',
    PUBLIC,
    async (request, reply) => {
      const found = await certified(request, reply);
      if (!found) return reply;
      const { view } = found;
      securityHeaders(reply, true);
      // The exact bytes the digest is of, so anyone can check one against the other.
      return reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="erasure-certificate-${view.requestId}.json"`)
        .header('x-certificate-digest', view.certificate.digest)
        .send(view.certificate.json);
    },
  );

  app.get<{ Params: { requestId: string } }>(
    '/requests/:requestId/receipt.json',
    PUBLIC,
    async (request, reply) => {
      const found = await certified(request, reply);
      if (!found) return reply;
      const { session, view } = found;
      const receipt = await deps.api.erasureReceipt(session.subjectId, view.requestId);
      // Completed, but not yet under a signed tree head: a page that says so, not an error.
      if (receipt === undefined)
        return sendPage(reply, 404, receiptPendingPage(session.csrf, view.requestId));
      securityHeaders(reply, true);
      return reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="erasure-receipt-${view.requestId}.json"`)
        .send(receipt);
    },
  );
}
