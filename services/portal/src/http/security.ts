import { randomBytes, timingSafeEqual } from 'node:crypto';

import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Session } from '../sign-in/sessions';

// Cookies are __Host- prefixed: Secure, Path=/, no Domain, so no other site or subdomain can set
// or read them; HttpOnly and SameSite=Strict keep them from scripts and cross-site requests.
export const COOKIES = {
  session: '__Host-lethe-session',
  signIn: '__Host-lethe-sign-in',
  /** The form token of pages shown before sign-in (double submit: cookie and form must match). */
  formToken: '__Host-lethe-form',
} as const;

export const cookieOptions = (maxAgeSeconds?: number) => ({
  httpOnly: true,
  secure: true,
  sameSite: 'strict' as const,
  path: '/',
  ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
});

/** Every answer: no framing, no sniffing, no referrer to other sites, scripts and styles from this origin only. */
export function securityHeaders(reply: FastifyReply, personal: boolean): void {
  reply.headers({
    'content-security-policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // same-origin, not no-referrer: under no-referrer a browser sends its forms with Origin: null.
    'referrer-policy': 'same-origin',
    'strict-transport-security': 'max-age=31536000',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
    'cross-origin-opener-policy': 'same-origin',
  });
  // Pages with personal data, or that sign someone in, are kept by no cache, shared or private.
  if (personal) reply.header('cache-control', 'no-store');
}

const sameText = (a: string, b: string) => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

type FormRequest = FastifyRequest<{ Body: Record<string, string | undefined> | undefined }>;

/**
 * A state-changing request is this site's own form: its token matches the session's (signed in)
 * or the form cookie's (before sign-in), and a browser's Origin, when sent, is this origin.
 */
export function formIsGenuine(
  request: FormRequest,
  origin: string,
  session: Pick<Session, 'csrf'> | undefined,
): boolean {
  const sentOrigin = request.headers.origin;
  if (sentOrigin !== undefined && sentOrigin !== origin) return false;
  const token = typeof request.body?._csrf === 'string' ? request.body._csrf : '';
  if (!token) return false;
  const expected = session ? session.csrf : request.cookies[COOKIES.formToken];
  return typeof expected === 'string' && expected !== '' && sameText(token, expected);
}

/** The form token of a visitor not signed in: made once, kept in a cookie, put in the forms. */
export function anonymousFormToken(request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[COOKIES.formToken];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const made = randomBytes(32).toString('base64url');
  void reply.setCookie(COOKIES.formToken, made, cookieOptions());
  return made;
}
