import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

import { BoundedMap } from '@lethe/bounded-map';

import { ProblemError } from './problem';

// Bearer tokens are JWTs signed with Ed25519 (alg EdDSA). The issuer holds the private key;
// services hold only public keys, so a compromised service cannot mint tokens. Several public
// keys may be configured at once, which is how a signing key is rotated.

export const SCOPES = ['service', 'operator', 'auditor', 'subject'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenClaims {
  /** Who the caller is: a service name, an operator, an auditor, or a user. */
  readonly sub: string;
  readonly scope: readonly Scope[];
  /** For the `subject` scope: the only subject whose data the token reaches. */
  readonly subjectId?: string;
  readonly iat: number;
  readonly exp: number;
}

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');
const HEADER = base64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT' }));

export function generateSigningKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

export function privateKeyFrom(base64Der: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'pkcs8' });
}

export function publicKeyFrom(base64Der: string): KeyObject {
  return createPublicKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'spki' });
}

export function signToken(privateKey: KeyObject, claims: TokenClaims): string {
  const payload = base64url(JSON.stringify(claims));
  const signature = sign(null, Buffer.from(`${HEADER}.${payload}`), privateKey);
  return `${HEADER}.${payload}.${base64url(signature)}`;
}

const unauthorized = (detail: string) =>
  new ProblemError({ status: 401, code: 'AUTH_TOKEN_INVALID', title: 'Unauthorized', detail });

/** The token's claims, if one of the keys signed it and it is in date; otherwise a 401 problem. */
export function verifyToken(
  publicKeys: readonly KeyObject[],
  token: string,
  nowSeconds: number,
): TokenClaims {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature || header !== HEADER)
    throw unauthorized('the bearer token is not an EdDSA JWT');
  const signed = Buffer.from(`${header}.${payload}`);
  const signatureBytes = Buffer.from(signature, 'base64url');
  if (!publicKeys.some((key) => verify(null, signed, key, signatureBytes))) {
    throw unauthorized('the bearer token is not signed by a trusted key');
  }
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    throw unauthorized('the bearer token has unreadable claims');
  }
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds)
    throw unauthorized('the bearer token has expired');
  if (
    !Array.isArray(claims.scope) ||
    !(claims.scope as unknown[]).every(
      (scope) => typeof scope === 'string' && (SCOPES as readonly string[]).includes(scope),
    )
  ) {
    throw unauthorized('the bearer token names an unknown scope');
  }
  return claims;
}

export type TokenVerifier = (token: string, nowSeconds: number) => TokenClaims;

/**
 * verifyToken with the answers remembered: an Ed25519 verification was a third of a consent
 * check's CPU time (bench/consent-checks.ts). A token verified once is trusted again until its
 * own `exp`, and only the exact same string hits; failures are never remembered.
 */
export function cachedTokenVerifier(publicKeys: readonly KeyObject[], maxEntries = 10_000): TokenVerifier {
  const verified = new BoundedMap<string, TokenClaims>(maxEntries);
  return (token, nowSeconds) => {
    const known = verified.get(token);
    if (known && known.exp > nowSeconds) return known;
    verified.delete(token);
    const claims = verifyToken(publicKeys, token, nowSeconds);
    verified.set(token, claims);
    return claims;
  };
}
