import type { FastifyInstance } from 'fastify';

import { CODE_LIFETIME_SECONDS } from '../sign-in/codes';
import { signInCodeMail } from '../mail/messages';
import { codePage, lockedPage, signInPage, tooManyCodesPage } from '../views/sign-in';
import { sendPage, sessionOf, refusedFormPage, type FormRequest, type PortalDeps } from './context';
import { anonymousFormToken, COOKIES, cookieOptions, formIsGenuine, securityHeaders } from './security';

const PUBLIC = { config: { access: { public: true } } } as const;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export function signInRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { origin } = deps;
  const genuine = (request: FormRequest) => formIsGenuine(request, origin, undefined);

  app.get('/sign-in', PUBLIC, async (request, reply) => {
    if (await sessionOf(request, deps)) {
      securityHeaders(reply, true);
      return reply.redirect('/', 303);
    }
    return sendPage(reply, 200, signInPage(anonymousFormToken(request, reply)));
  });

  app.post('/sign-in', PUBLIC, async (request: FormRequest, reply) => {
    if (!genuine(request)) return sendPage(reply, 403, refusedFormPage());
    const email = (request.body?.email ?? '').trim();
    if (!EMAIL.test(email))
      return sendPage(
        reply,
        400,
        signInPage(anonymousFormToken(request, reply), 'Enter an email address, like name@example.com.'),
      );
    const subjectId = await deps.api.findAccount(email);
    const asked = await deps.codes.request(email, subjectId);
    if (asked.kind === 'locked') return sendPage(reply, 429, lockedPage());
    if (asked.kind === 'too-many') return sendPage(reply, 429, tooManyCodesPage());
    // The same answer, as fast, whether or not the address has an account: only its owner
    // learns which, from the mail. So the mail is not waited for; a failure is logged.
    // What happened is logged without the address: an operator can tell a mail server that
    // refuses from an address that has no account.
    if (asked.code === null)
      request.log.info('sign-in asked for an address with no live account; no code mailed');
    else
      deps.mailer.send(signInCodeMail(email, asked.code)).then(
        () => request.log.info('sign-in code mailed'),
        (error: unknown) => request.log.error({ err: error }, 'the sign-in code could not be mailed'),
      );
    void reply.setCookie(COOKIES.signIn, asked.challengeId, cookieOptions(CODE_LIFETIME_SECONDS));
    securityHeaders(reply, true);
    return reply.redirect('/sign-in/code', 303);
  });

  app.get('/sign-in/code', PUBLIC, async (request, reply) =>
    sendPage(reply, 200, codePage(anonymousFormToken(request, reply))),
  );

  app.post('/sign-in/code', PUBLIC, async (request: FormRequest, reply) => {
    if (!genuine(request)) return sendPage(reply, 403, refusedFormPage());
    const challengeId = request.cookies[COOKIES.signIn] ?? '';
    const code = (request.body?.code ?? '').trim();
    const checked = /^\d{6}$/.test(code)
      ? await deps.codes.check(challengeId, code)
      : ({ kind: 'wrong', attemptsLeft: -1 } as const);
    const token = anonymousFormToken(request, reply);
    switch (checked.kind) {
      case 'signed-in': {
        const session = await deps.sessions.open(checked.subjectId);
        void reply.clearCookie(COOKIES.signIn, cookieOptions());
        void reply.setCookie(COOKIES.session, session.id, cookieOptions());
        securityHeaders(reply, true);
        return reply.redirect('/', 303);
      }
      case 'wrong':
        return sendPage(
          reply,
          401,
          codePage(
            token,
            checked.attemptsLeft < 0
              ? 'Enter the 6 digits of the code we sent.'
              : `That code is not right. ${checked.attemptsLeft} ${checked.attemptsLeft === 1 ? 'try' : 'tries'} left.`,
          ),
        );
      case 'expired':
        return sendPage(
          reply,
          410,
          codePage(token, 'That code has expired or was already used. Ask for a new one.'),
        );
      case 'locked':
        void reply.clearCookie(COOKIES.signIn, cookieOptions());
        return sendPage(reply, 429, lockedPage());
    }
  });

  app.post('/sign-out', PUBLIC, async (request: FormRequest, reply) => {
    const session = await sessionOf(request, deps);
    if (!session || !formIsGenuine(request, origin, session)) return sendPage(reply, 403, refusedFormPage());
    await deps.sessions.close(session.id);
    void reply.clearCookie(COOKIES.session, cookieOptions());
    securityHeaders(reply, true);
    return reply.redirect('/sign-in', 303);
  });
}
