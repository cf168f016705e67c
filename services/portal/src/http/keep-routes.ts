import type { FastifyInstance } from 'fastify';

import type { KeepLinks } from '../mail/keep-links';
import { keepPage } from '../views/keep';
import { messagePage } from '../views/sign-in';
import { notFoundPage, refusedFormPage, sendPage, type PortalDeps } from './context';
import { anonymousFormToken, formIsGenuine } from './security';

// "Keep my account", from an inactivity notice: the link opens a page, its one button records
// activity on the account (which restarts the inactivity clock). A GET changes nothing, since
// mail scanners open links; the link's token stands in for sign-in, for this account only.

const PUBLIC = { config: { access: { public: true } } } as const;

export function keepRoutes(
  app: FastifyInstance,
  deps: PortalDeps & { keepLinks: KeepLinks; now: () => number },
): void {
  app.get<{ Params: { token: string } }>('/keep/:token', PUBLIC, async (request, reply) => {
    const link = await deps.keepLinks.open(request.params.token, deps.now());
    if (!link) return notFoundPage(reply);
    return sendPage(
      reply,
      200,
      keepPage(anonymousFormToken(request, reply), request.params.token, link.expiresAt),
    );
  });

  app.post<{ Params: { token: string }; Body: Record<string, string | undefined> | undefined }>(
    '/keep/:token',
    PUBLIC,
    async (request, reply) => {
      if (!formIsGenuine(request, deps.origin, undefined)) return sendPage(reply, 403, refusedFormPage());
      const link = await deps.keepLinks.open(request.params.token, deps.now());
      if (!link) return notFoundPage(reply);
      if (!(await deps.api.profile(link.subjectId)))
        return sendPage(reply, 404, messagePage('No account', 'There is no account to keep any more.'));
      await deps.api.recordActivity(link.subjectId);
      await deps.keepLinks.spend(request.params.token);
      return sendPage(
        reply,
        200,
        messagePage(
          'Your account is kept',
          'Thank you: your account stays, and the deletion is called off.',
          {
            href: '/sign-in',
            label: 'Sign in to your dashboard',
          },
        ),
      );
    },
  );
}
