import { createHash, randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';

import { readJwt, signatureHolds, type OidcTrust, type ServiceFetch } from '@lethe/service-kit';

// Operators sign in to the console with the company's OpenID provider: the authorization code
// flow with PKCE (S256), a state and a nonce, the client authenticated with its secret. What a
// sign-in in flight needs (the verifier, the nonce) waits in Redis under the state's hash for
// ten minutes, bound to the browser that started it by a cookie, and is used once.

const PENDING_SECONDS = 10 * 60;

export interface OidcClientSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  /** LETHE_PORTAL_URL + /console/oidc/callback, as registered at the provider. */
  readonly redirectUri: string;
}

export interface OidcSignedIn {
  /** The access token for Lethe's APIs: the console acts with it. */
  readonly accessToken: string;
  /** Who signed in, for the console to show: the ID token's email, else its subject. */
  readonly name: string;
}

export interface OidcSignIn {
  /** Where to send the browser, and the value of the cookie that binds the sign-in to it. */
  start(): Promise<{ url: string; binding: string }>;
  /** The tokens for a callback's code; an error with a reason a person can read otherwise. */
  finish(callback: { code: string; state: string }, binding: string | undefined): Promise<OidcSignedIn>;
}

export class OidcSignInFailed extends Error {
  override readonly name = 'OidcSignInFailed';
}

const hash = (value: string) => createHash('sha256').update(value).digest('base64url');
const random = () => randomBytes(32).toString('base64url');

/** The ID token's parts; a token that is not a JWT is the provider's failure, shown as such. */
function parseJwt(token: string) {
  try {
    return readJwt(token);
  } catch {
    throw new OidcSignInFailed('the provider sent no usable ID token');
  }
}

export function oidcSignIn(deps: {
  redis: Redis;
  trust: OidcTrust;
  client: OidcClientSettings;
  fetch: ServiceFetch;
  now?: () => number;
}): OidcSignIn {
  const now = deps.now ?? Date.now;
  const issuer = deps.trust.settings.issuer;
  const pendingKey = (state: string) => `lethe:portal:oidc:${hash(state)}`;
  /** The ID token is the provider's, for this client, fresh, and for this sign-in (nonce). */
  function checkIdToken(idToken: string, nonce: string): Record<string, unknown> {
    const { header, claims, signed, signature } = parseJwt(idToken);
    const key = deps.trust.keyFor(typeof header.kid === 'string' ? header.kid : undefined);
    if (!key || !signatureHolds(header.alg, key, Buffer.from(signed), Buffer.from(signature, 'base64url')))
      throw new OidcSignInFailed("the ID token is not signed by the provider's key");
    const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
    if (claims.iss !== issuer) throw new OidcSignInFailed('the ID token is from another issuer');
    if (!Array.isArray(audiences) || !audiences.includes(deps.client.clientId))
      throw new OidcSignInFailed('the ID token is for another client');
    if (typeof claims.exp !== 'number' || claims.exp <= now() / 1000)
      throw new OidcSignInFailed('the ID token has expired');
    if (claims.nonce !== nonce) throw new OidcSignInFailed('the ID token is for another sign-in');
    return claims;
  }

  return {
    async start() {
      const { authorization } = await deps.trust.endpoints();
      const state = random();
      const nonce = random();
      const verifier = random();
      const binding = random();
      await deps.redis.set(
        pendingKey(state),
        JSON.stringify({ nonce, verifier, binding: hash(binding) }),
        'EX',
        PENDING_SECONDS,
      );
      const url = new URL(authorization);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: deps.client.clientId,
        redirect_uri: deps.client.redirectUri,
        scope: 'openid email',
        state,
        nonce,
        code_challenge: hash(verifier),
        code_challenge_method: 'S256',
      }).toString();
      return { url: url.toString(), binding };
    },

    async finish({ code, state }, binding) {
      // Used once: a replayed callback finds nothing.
      const pending = await deps.redis.getdel(pendingKey(state));
      if (!pending) throw new OidcSignInFailed('that sign-in has expired or was already used; start again');
      const { nonce, verifier, binding: bound } = JSON.parse(pending) as Record<string, string>;
      if (!binding || hash(binding) !== bound)
        throw new OidcSignInFailed('that sign-in was started in another browser; start again');
      const { token } = await deps.trust.endpoints();
      const credentials = Buffer.from(
        `${encodeURIComponent(deps.client.clientId)}:${encodeURIComponent(deps.client.clientSecret)}`,
      ).toString('base64');
      const answer = await deps.fetch(token, {
        method: 'POST',
        headers: {
          authorization: `Basic ${credentials}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: deps.client.redirectUri,
          code_verifier: verifier!,
        }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      const tokens = (await answer.json()) as Record<string, unknown>;
      if (!answer.ok || typeof tokens.access_token !== 'string' || typeof tokens.id_token !== 'string')
        throw new OidcSignInFailed('the provider did not exchange the code for tokens');
      const claims = checkIdToken(tokens.id_token, nonce!);
      const name = typeof claims.email === 'string' ? claims.email : String(claims.sub);
      return { accessToken: tokens.access_token, name };
    },
  };
}
