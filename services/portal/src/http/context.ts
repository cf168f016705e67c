import type { FastifyReply, FastifyRequest } from 'fastify';

import type { LetheApi } from '../api/lethe-api';
import type { CompletionNotices } from '../mail/completion-notices';
import type { Mailer } from '../mail/mailer';
import type { SignInCodes } from '../sign-in/codes';
import type { Session, Sessions } from '../sign-in/sessions';
import { messagePage } from '../views/sign-in';
import { COOKIES, formIsGenuine, securityHeaders } from './security';

/** What the portal's routes use. */
export interface PortalDeps {
  api: LetheApi;
  codes: SignInCodes;
  sessions: Sessions;
  mailer: Mailer;
  notices: CompletionNotices;
  /** Where users reach the portal: links in mails, and the Origin forms must come from. */
  publicUrl: string;
  /** The origin of `publicUrl`: the only `Origin` a form may come from. */
  origin: string;
}

export type Form = Record<string, string | undefined>;
export type FormRequest = FastifyRequest<{ Body: Form | undefined }>;

/** An HTML answer: security headers, and no-store unless it is a static asset. */
export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  securityHeaders(reply, true);
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

export function notFoundPage(reply: FastifyReply): FastifyReply {
  return sendPage(reply, 404, messagePage('Not found', 'There is nothing here for you.'));
}

/** The signed-in session of the request, if any. */
export async function sessionOf(request: FastifyRequest, deps: PortalDeps): Promise<Session | undefined> {
  const id = request.cookies[COOKIES.session];
  return id ? deps.sessions.find(id) : undefined;
}

/**
 * The session, or an answer already sent: a page asked for without one goes to sign-in; a form
 * sent without one, or without its genuine token, is refused with 403.
 */
export async function requireSession(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: PortalDeps,
  options: { form?: boolean } = {},
): Promise<Session | undefined> {
  const session = await sessionOf(request, deps);
  if (options.form) {
    if (!session || !formIsGenuine(request as FormRequest, deps.origin, session)) {
      sendPage(reply, 403, refusedFormPage());
      return undefined;
    }
    return session;
  }
  if (!session) {
    securityHeaders(reply, true);
    void reply.redirect('/sign-in', 303);
    return undefined;
  }
  return session;
}

export const refusedFormPage = () =>
  messagePage(
    'This form cannot be accepted',
    'It did not come from this page, or it has expired. Go back, reload the page and try again.',
    { href: '/', label: 'Back to your dashboard' },
  );
