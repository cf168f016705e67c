import {
  DEFAULT_TOKEN_ISSUER,
  LETHE_SERVICES,
  privateKeyFrom,
  signToken,
  type Scope,
} from '@lethe/service-kit';

/** An Authorization header with a ten-minute token signed by the test's own key, for every service. */
export function bearer(privateKey: string, scope: Scope[], subjectId?: string): { authorization: string } {
  const now = Math.floor(Date.now() / 1000);
  const token = signToken(privateKeyFrom(privateKey), {
    sub: 'test',
    scope,
    ...(subjectId ? { subjectId } : {}),
    iss: DEFAULT_TOKEN_ISSUER,
    aud: [...LETHE_SERVICES],
    iat: now,
    exp: now + 600,
  });
  return { authorization: `Bearer ${token}` };
}
