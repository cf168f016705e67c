import { constants, createHash, createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

import { ProblemError } from './problem';
import type { ServiceFetch } from './service-fetch';
import {
  CLOCK_SKEW_SECONDS,
  maxLifetimeOf,
  type ExternalIssuer,
  type JwtParts,
  type Scope,
  type TokenClaims,
} from './tokens';

// Operators in production sign in with the company's identity provider (any OpenID Connect
// provider, found by its issuer URL). Its JWT access tokens are accepted beside Lethe's own,
// for the operator and auditor scopes only, each from a role in a claim the provider sets
// (`roles` by default). The provider's keys come from its discovery document's jwks_uri, are
// read again every ten minutes and when a token names a key not yet seen, so a rotation at the
// provider needs nothing here.

export interface OidcTrustSettings {
  /** The provider's issuer URL, exactly as its tokens' `iss`. */
  readonly issuer: string;
  /** The `aud` its access tokens for Lethe carry. */
  readonly audience: string;
  /** The claim listing the caller's roles (an array, or a space-separated string). */
  readonly rolesClaim: string;
  /** Which role grants which scope. */
  readonly roles: Readonly<Partial<Record<'operator' | 'auditor', string>>>;
  /** The CA that issued the provider's HTTPS certificate, if not a public one. */
  readonly caFile: string | undefined;
}

export interface OidcTrust {
  readonly settings: OidcTrustSettings;
  /** A key of the provider's by its `kid` (undefined asks for a fresh read of the provider's keys). */
  keyFor(kid: string | undefined): KeyObject | undefined;
  /** Reads the provider's keys now; false when it could not (the keys held are kept). */
  refresh(): Promise<boolean>;
  /** Refreshes on a timer until stopped; the first read is awaited (at most a few seconds). */
  start(): Promise<() => void>;
  /** Where a relying party sends the browser and trades a code, from the discovery document. */
  endpoints(): Promise<{ authorization: string; token: string }>;
}

const REFRESH_MS = 10 * 60 * 1000;
/** At most this often does an unknown `kid` send the provider a request. */
const UNKNOWN_KID_REFRESH_MS = 30 * 1000;
const FETCH_TIMEOUT_MS = 5_000;

const unauthorized = (detail: string) =>
  new ProblemError({ status: 401, code: 'AUTH_TOKEN_INVALID', title: 'Unauthorized', detail });

export function oidcTrust(
  settings: OidcTrustSettings,
  fetch: ServiceFetch,
  onError: (error: unknown) => void = () => {},
  now: () => number = Date.now,
): OidcTrust {
  let keys = new Map<string, KeyObject>();
  let discovered: Record<string, unknown> | undefined;
  let lastRead = 0;
  const discoveryUrl = `${settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;

  async function getJson(url: string): Promise<Record<string, unknown>> {
    const answer = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
    return (await answer.json()) as Record<string, unknown>;
  }

  const trust: OidcTrust = {
    settings,
    keyFor(kid) {
      const key =
        kid === undefined && keys.size === 1 ? [...keys.values()][0] : kid ? keys.get(kid) : undefined;
      if (!key && now() - lastRead > UNKNOWN_KID_REFRESH_MS) void trust.refresh();
      return key;
    },
    async refresh() {
      lastRead = now();
      try {
        const discovery = await getJson(discoveryUrl);
        // A document for another issuer would let that one's keys sign for this one.
        if (discovery.issuer !== settings.issuer)
          throw new Error(
            `the discovery document is for ${String(discovery.issuer)}, not ${settings.issuer}`,
          );
        const set = await getJson(String(discovery.jwks_uri));
        const read = new Map<string, KeyObject>();
        for (const jwk of Array.isArray(set.keys)
          ? (set.keys as (JsonWebKey & { kid?: string; use?: string })[])
          : []) {
          if (jwk.use === 'enc') continue;
          try {
            read.set(jwk.kid ?? thumbprint(jwk), createPublicKey({ key: jwk, format: 'jwk' }));
          } catch {
            // A key of a kind Node cannot read is one no token here is signed with.
          }
        }
        keys = read;
        discovered = discovery;
        return true;
      } catch (error) {
        onError(error);
        return false;
      }
    },
    async start() {
      await trust.refresh();
      const timer = setInterval(() => void trust.refresh(), REFRESH_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
    async endpoints() {
      if (!discovered) await trust.refresh();
      if (!discovered) throw new Error("the identity provider's discovery document could not be read");
      return {
        authorization: String(discovered.authorization_endpoint),
        token: String(discovered.token_endpoint),
      };
    },
  };
  return trust;
}

const thumbprint = (jwk: JsonWebKey) => createHash('sha256').update(JSON.stringify(jwk)).digest('base64url');

/** Checks a JWS signature by its `alg`; only asymmetric algorithms (a shared secret is never trusted). */
export function signatureHolds(alg: unknown, key: KeyObject, signed: Buffer, signature: Buffer): boolean {
  switch (alg) {
    case 'RS256':
      return verify('sha256', signed, key, signature);
    case 'PS256':
      return verify(
        'sha256',
        signed,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        signature,
      );
    case 'ES256':
      return verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'EdDSA':
    case 'Ed25519':
      return key.asymmetricKeyType === 'ed25519' && verify(null, signed, key, signature);
    default:
      throw unauthorized(`the provider's token is signed with ${String(alg)}, which is not accepted`);
  }
}

const rolesIn = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((role): role is string => typeof role === 'string')
    : typeof value === 'string'
      ? value.split(' ')
      : [];

/**
 * The claims of an access token from the provider, as Lethe's own: the scopes its roles grant,
 * the provider's `sub` prefixed `oidc:`. A 401 problem says what failed.
 */
export function verifyOidcToken(trust: OidcTrust, parts: JwtParts, nowSeconds: number): TokenClaims {
  const { header, claims } = parts;
  const key = trust.keyFor(typeof header.kid === 'string' ? header.kid : undefined);
  if (!key) throw unauthorized("the bearer token is not signed by a key of the identity provider's (kid)");
  if (!signatureHolds(header.alg, key, Buffer.from(parts.signed), Buffer.from(parts.signature, 'base64url')))
    throw unauthorized("the bearer token is not signed by the identity provider's key");
  const { settings } = trust;
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  if (!Array.isArray(audiences) || !audiences.includes(settings.audience))
    throw unauthorized(
      `the identity provider's token is not for Lethe (aud must include ${settings.audience})`,
    );
  const { sub, exp, iat, nbf } = claims;
  if (typeof sub !== 'string' || sub === '') throw unauthorized('the bearer token names no caller (sub)');
  if (typeof exp !== 'number' || typeof iat !== 'number')
    throw unauthorized('the bearer token needs iat and exp');
  if (exp <= nowSeconds) throw unauthorized('the bearer token has expired');
  if (
    iat > nowSeconds + CLOCK_SKEW_SECONDS ||
    (typeof nbf === 'number' && nbf > nowSeconds + CLOCK_SKEW_SECONDS)
  )
    throw unauthorized('the bearer token is not valid yet');
  const held = rolesIn(claims[settings.rolesClaim]);
  const scope = (Object.entries(settings.roles) as [Scope, string][])
    .filter(([, role]) => held.includes(role))
    .map(([granted]) => granted);
  if (scope.length === 0) throw unauthorized("the identity provider's token carries no Lethe role");
  if (exp - iat > maxLifetimeOf(scope))
    throw unauthorized(`the bearer token lives longer than its scope allows (${maxLifetimeOf(scope)} s)`);
  const jti =
    typeof claims.jti === 'string' && claims.jti !== ''
      ? claims.jti
      : createHash('sha256').update(parts.signature).digest('base64url');
  return { sub: `oidc:${sub}`, scope, iss: settings.issuer, aud: audiences as string[], jti, iat, exp };
}

/** The provider as an issuer a token policy accepts. */
export const oidcIssuer = (trust: OidcTrust): ExternalIssuer => ({
  issuer: trust.settings.issuer,
  verify: (parts, nowSeconds) => verifyOidcToken(trust, parts, nowSeconds),
});
