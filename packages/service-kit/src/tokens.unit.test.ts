import { generateSigningKeys, privateKeyFrom, publicKeyFrom } from '@lethe/signing-keys';

import {
  cachedTokenVerifier,
  PORTAL_SCOPES,
  signToken,
  verifyToken,
  type TokenPolicy,
  type TokenRequest,
} from './tokens';

// Every check a service makes of a bearer token (issue 11): signature by a key the `kid` names,
// issuer, audience, the times (iat, nbf, exp, and the scope's longest lifetime), a named caller.

const NOW = 1_800_000_000;
const current = generateSigningKeys();
const previous = generateSigningKeys();
const stranger = generateSigningKeys();
const policy: TokenPolicy = {
  publicKeys: [publicKeyFrom(current.publicKey), publicKeyFrom(previous.publicKey)],
  issuer: 'lethe',
  audience: 'consent',
};

const claims = (changes: Partial<TokenRequest> = {}): TokenRequest => ({
  sub: 'ops@example.com',
  scope: ['operator'],
  iss: 'lethe',
  aud: ['consent', 'account'],
  iat: NOW - 10,
  exp: NOW + 3600,
  ...changes,
});
const token = (changes: Partial<TokenRequest> = {}, key = current.privateKey) =>
  signToken(privateKeyFrom(key), claims(changes));
const verified = (t: string) => verifyToken(policy, t, NOW);

describe('bearer token verification', () => {
  it("trusts the portal's key for service and subject tokens only, never an operator's or an auditor's", () => {
    const portal = generateSigningKeys();
    const withPortal: TokenPolicy = {
      ...policy,
      limitedKeys: [{ key: publicKeyFrom(portal.publicKey), scopes: PORTAL_SCOPES }],
    };
    const signed = (changes: Partial<TokenRequest>) =>
      token({ exp: NOW + 600, ...changes }, portal.privateKey);
    expect(verifyToken(withPortal, signed({ scope: ['subject'], subjectId: 'sub_1' }), NOW).subjectId).toBe(
      'sub_1',
    );
    expect(verifyToken(withPortal, signed({ scope: ['service'] }), NOW).scope).toEqual(['service']);
    expect(() => verifyToken(withPortal, signed({ scope: ['operator'] }), NOW)).toThrow(
      /signing key may not grant the operator scope/,
    );
    expect(() =>
      verifyToken(withPortal, signed({ scope: ['subject', 'auditor'], subjectId: 'sub_1' }), NOW),
    ).toThrow(/may not grant the auditor scope/);
    // The shared issuer's keys keep every scope.
    expect(verifyToken(withPortal, token(), NOW).scope).toEqual(['operator']);
  });

  it('accepts a token of either configured key, picked by its kid', () => {
    expect(verified(token()).sub).toBe('ops@example.com');
    expect(verified(token({}, previous.privateKey)).scope).toEqual(['operator']);
    expect(() => verified(token({}, stranger.privateKey))).toThrow(/trusted key \(kid\)/);
  });

  it('refuses another issuer, and a token for other services', () => {
    expect(() => verified(token({ iss: 'someone-else' }))).toThrow(/another issuer/);
    expect(() => verified(token({ aud: ['account'] }))).toThrow(/not for this service/);
  });

  it('refuses a lifetime beyond the scope: exp in the year 3000, a day-long subject token', () => {
    expect(() => verified(token({ exp: 32_503_680_000 }))).toThrow(
      /longer than its scope allows \(28800 s\)/,
    );
    expect(() => verified(token({ scope: ['subject'], subjectId: 'sub_1', exp: NOW - 10 + 86_400 }))).toThrow(
      /\(3600 s\)/,
    );
    expect(verified(token({ scope: ['service'], exp: NOW - 10 + 86_400 })).scope).toEqual(['service']);
  });

  it('honours iat and nbf with a minute of skew, and exp without', () => {
    expect(verified(token({ iat: NOW + 30 })).sub).toBeDefined();
    expect(() => verified(token({ iat: NOW + 120, exp: NOW + 600 }))).toThrow(/issued in the future/);
    expect(() => verified(token({ nbf: NOW + 120 }))).toThrow(/not valid yet/);
    expect(() => verified(token({ iat: NOW - 100, exp: NOW }))).toThrow(/expired/);
  });

  it('refuses a token that names no caller', () => {
    expect(() => verified(token({ sub: '' }))).toThrow(/names no caller/);
  });

  it('refuses a revoked token even after it was verified and remembered', () => {
    const revoked = new Set<string>();
    const verify = cachedTokenVerifier(policy, (jti) => revoked.has(jti));
    const t = token({ jti: 'tok_1' });
    expect(verify(t, NOW).jti).toBe('tok_1');
    revoked.add('tok_1');
    expect(() => verify(t, NOW)).toThrow(/revoked/);
  });
});
