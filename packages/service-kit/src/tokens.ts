import { randomUUID, sign, verify, type KeyObject } from 'node:crypto';

import { BoundedMap } from '@lethe/bounded-map';
import { keyId, keyWithId } from '@lethe/signing-keys';

import type { OidcTrustSettings } from './oidc-trust';
import { ProblemError } from './problem';

// Bearer tokens are JWTs signed with Ed25519 (alg EdDSA). The issuer holds the private key;
// services hold only public keys, so a compromised service cannot mint tokens. Several public
// keys may be configured at once, which is how a signing key is rotated: the header's `kid`
// names the one that signed. A token is for an issuer and for named services (`aud`), lives no
// longer than its scope allows, and can be revoked by its `jti`.

export const SCOPES = ['service', 'operator', 'auditor', 'subject'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenClaims {
  /** Who the caller is: a service name, an operator, an auditor, or a user. */
  readonly sub: string;
  readonly scope: readonly Scope[];
  /** For the `subject` scope: the only subject whose data the token reaches. */
  readonly subjectId?: string;
  /** Who issued it (LETHE_AUTH_ISSUER; `lethe` by default). */
  readonly iss: string;
  /** The services it is for, by name (`account`, `erasure` ...). */
  readonly aud: readonly string[];
  /** Its id, by which it can be revoked. */
  readonly jti: string;
  readonly iat: number;
  readonly nbf?: number;
  readonly exp: number;
}

/** The claims a minter sets; the id is made when not given. */
export type TokenRequest = Omit<TokenClaims, 'jti'> & { jti?: string };

export const DEFAULT_TOKEN_ISSUER = 'lethe';
export const LETHE_SERVICES = ['account', 'consent', 'retention', 'erasure', 'audit'] as const;

/** The longest a token of each scope may live (exp - iat); a token with several takes the least. */
export const MAX_TOKEN_LIFETIME_SECONDS: Readonly<Record<Scope, number>> = {
  subject: 60 * 60,
  operator: 8 * 60 * 60,
  auditor: 8 * 60 * 60,
  service: 24 * 60 * 60,
};

/** Clocks differ a little between the minter and a service: iat and nbf may be this far ahead. */
export const CLOCK_SKEW_SECONDS = 60;

export function maxLifetimeOf(scopes: readonly Scope[]): number {
  return Math.min(...scopes.map((scope) => MAX_TOKEN_LIFETIME_SECONDS[scope]));
}

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export function signToken(privateKey: KeyObject, request: TokenRequest): string {
  const header = base64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: keyId(privateKey) }));
  const claims: TokenClaims = { ...request, jti: request.jti ?? randomUUID() };
  const payload = base64url(JSON.stringify(claims));
  const signature = sign(null, Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

const unauthorized = (detail: string) =>
  new ProblemError({ status: 401, code: 'AUTH_TOKEN_INVALID', title: 'Unauthorized', detail });

/**
 * What the portal's own keys may sign: its service calls and the signed-in user's subject
 * tokens. A portal that is broken into can then reach one subject at a time or what a service
 * can, never an operator's or an auditor's powers.
 */
export const PORTAL_SCOPES: readonly Scope[] = ['service', 'subject'];

/** A service's token settings beside its keys (LETHE_AUTH_ISSUER, LETHE_AUTH_REVOKED_JTIS). */
export interface TokenSettings {
  readonly issuer: string;
  /** Token ids no longer accepted, whatever their exp. */
  readonly revokedIds: ReadonlySet<string>;
  /** The portal's public keys (LETHE_AUTH_PORTAL_PUBLIC_KEYS): trusted for PORTAL_SCOPES only. */
  readonly portalKeys?: readonly KeyObject[];
  /** An OpenID provider for operators and auditors (LETHE_AUTH_OIDC_*); off when undefined. */
  readonly oidc?: OidcTrustSettings;
}

/** A key trusted for some scopes only (the portal's). */
export interface LimitedKey {
  readonly key: KeyObject;
  readonly scopes: readonly Scope[];
}

/** A JWT split into its parts, the header and claims parsed. */
export interface JwtParts {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  /** `header.payload`, the bytes signed. */
  readonly signed: string;
  readonly signature: string;
}

/** Another issuer whose tokens are accepted (an OpenID provider's), with its own checks. */
export interface ExternalIssuer {
  readonly issuer: string;
  verify(parts: JwtParts, nowSeconds: number): TokenClaims;
}

/** What a service accepts: whose tokens, for whom. */
export interface TokenPolicy {
  /** The service's public keys; several while a signing key is rotated. */
  readonly publicKeys: readonly KeyObject[];
  readonly issuer: string;
  /** This service's name: a token must list it in `aud`. */
  readonly audience: string;
  /** Keys trusted only for the scopes beside them. */
  readonly limitedKeys?: readonly LimitedKey[];
  /** The identity provider whose operators' and auditors' tokens are accepted too. */
  readonly external?: ExternalIssuer;
}

function parseJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw unauthorized(`the bearer token has an unreadable ${what}`);
}

const isScopeList = (value: unknown): value is Scope[] =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every((scope) => typeof scope === 'string' && (SCOPES as readonly string[]).includes(scope));

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The claims, checked for their shape and their time; a 401 problem names what failed. */
function checkClaims(claims: Record<string, unknown>, policy: TokenPolicy, nowSeconds: number): TokenClaims {
  const { sub, scope, iss, aud, jti, iat, nbf, exp } = claims;
  if (!isText(sub)) throw unauthorized('the bearer token names no caller (sub)');
  if (!isScopeList(scope)) throw unauthorized('the bearer token names an unknown scope');
  if (iss !== policy.issuer) throw unauthorized('the bearer token is from another issuer');
  const audiences = typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(audiences) || !audiences.includes(policy.audience))
    throw unauthorized(`the bearer token is not for this service (aud must include ${policy.audience})`);
  if (!isText(jti)) throw unauthorized('the bearer token has no id (jti)');
  if (!isTime(iat) || !isTime(exp)) throw unauthorized('the bearer token needs iat and exp');
  if (iat > nowSeconds + CLOCK_SKEW_SECONDS) throw unauthorized('the bearer token was issued in the future');
  if (nbf !== undefined && (!isTime(nbf) || nbf > nowSeconds + CLOCK_SKEW_SECONDS))
    throw unauthorized('the bearer token is not valid yet');
  if (exp <= nowSeconds) throw unauthorized('the bearer token has expired');
  if (exp - iat > maxLifetimeOf(scope))
    throw unauthorized(`the bearer token lives longer than its scope allows (${maxLifetimeOf(scope)} s)`);
  return claims as unknown as TokenClaims;
}

/** A JWT's parts, its header and claims parsed; a 401 problem when it is not one. */
export function readJwt(token: string): JwtParts {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) throw unauthorized('the bearer token is not a JWT');
  return {
    header: parseJson(header, 'header'),
    claims: parseJson(payload, 'claims'),
    signed: `${header}.${payload}`,
    signature,
  };
}

/** The token's claims, if a trusted key signed it for this service and it is in date; else a 401. */
export function verifyToken(policy: TokenPolicy, token: string, nowSeconds: number): TokenClaims {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) throw unauthorized('the bearer token is not a JWT');
  const parsedHeader = parseJson(header, 'header');
  const { alg, kid } = parsedHeader;
  if (policy.external) {
    const claims = parseJson(payload, 'claims');
    if (claims.iss === policy.external.issuer)
      return policy.external.verify(
        { header: parsedHeader, claims, signed: `${header}.${payload}`, signature },
        nowSeconds,
      );
  }
  if (alg !== 'EdDSA') throw unauthorized('the bearer token is not an EdDSA JWT');
  const limited = (policy.limitedKeys ?? []).find((candidate) => keyWithId([candidate.key], kid));
  const key = keyWithId(policy.publicKeys, kid) ?? limited?.key;
  if (!key) throw unauthorized('the bearer token is not signed by a trusted key (kid)');
  if (!verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url')))
    throw unauthorized('the bearer token is not signed by a trusted key');
  const claims = checkClaims(parseJson(payload, 'claims'), policy, nowSeconds);
  const beyond = limited ? claims.scope.filter((scope) => !limited.scopes.includes(scope)) : [];
  if (beyond.length > 0)
    throw unauthorized(`the bearer token's signing key may not grant the ${beyond.join(', ')} scope`);
  return claims;
}

export type TokenVerifier = (token: string, nowSeconds: number) => TokenClaims;

/**
 * verifyToken with the answers remembered: an Ed25519 verification was a third of a consent
 * check's CPU time (bench/consent-checks.ts). A token verified once is trusted again until its
 * own `exp`, and only the exact same string hits; failures are never remembered. Revocation is
 * asked on every call, cached or not.
 */
export function cachedTokenVerifier(
  policy: TokenPolicy,
  isRevoked: (jti: string) => boolean = () => false,
  maxEntries = 10_000,
): TokenVerifier {
  const verified = new BoundedMap<string, TokenClaims>(maxEntries);
  return (token, nowSeconds) => {
    let claims = verified.get(token);
    if (!claims || claims.exp <= nowSeconds) {
      verified.delete(token);
      claims = verifyToken(policy, token, nowSeconds);
      verified.set(token, claims);
    }
    if (isRevoked(claims.jti)) throw unauthorized('the bearer token has been revoked');
    return claims;
  };
}
