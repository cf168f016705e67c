import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { oidcIssuer, oidcTrust, type OidcTrust } from './oidc-trust';
import { serviceFetch } from './service-fetch';
import { verifyToken, type TokenPolicy } from './tokens';

// An identity provider's access tokens, as the services check them: its keys from its discovery
// document (a real HTTP server here), its audience, its roles mapped to Lethe's scopes, and
// nothing a forger could choose (another issuer's keys, a shared-secret algorithm, no role).

const NOW = 1_800_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function jwt(key: KeyObject, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const signed = `${b64(header)}.${b64(claims)}`;
  const signature =
    header.alg === 'ES256'
      ? sign('sha256', Buffer.from(signed), { key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(signed), key);
  return `${signed}.${signature.toString('base64url')}`;
}

describe('tokens from an OpenID provider', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let server: Server;
  let issuer: string;
  let trust: OidcTrust;
  let policy: TokenPolicy;
  let discoveryIssuer: string | undefined;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const body =
        request.url === '/.well-known/openid-configuration'
          ? { issuer: discoveryIssuer ?? issuer, jwks_uri: `${issuer}/jwks` }
          : {
              keys: [
                { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig' },
                { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig' },
              ],
            };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    trust = oidcTrust(
      {
        issuer,
        audience: 'lethe',
        rolesClaim: 'roles',
        roles: { operator: 'lethe-operator', auditor: 'lethe-auditor' },
        caFile: undefined,
      },
      serviceFetch(undefined),
    );
    expect(await trust.refresh()).toBe(true);
    policy = { publicKeys: [], issuer: 'lethe', audience: 'erasure', external: oidcIssuer(trust) };
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: issuer,
    sub: 'alice',
    aud: 'lethe',
    iat: NOW - 10,
    exp: NOW + 590,
    jti: 'at-1',
    roles: ['lethe-operator'],
    ...extra,
  });
  const check = (token: string) => verifyToken(policy, token, NOW);
  const refusal = (token: string) => {
    try {
      check(token);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the token was accepted');
  };

  it('takes an ES256 or RS256 access token for Lethe, with the scopes its roles grant', () => {
    expect(check(jwt(ec.privateKey, { alg: 'ES256', kid: 'ec-1' }, claims()))).toMatchObject({
      sub: 'oidc:alice',
      scope: ['operator'],
      jti: 'at-1',
    });
    const auditor = jwt(
      rsa.privateKey,
      { alg: 'RS256', kid: 'rsa-1' },
      claims({ roles: 'lethe-auditor other' }),
    );
    expect(check(auditor).scope).toEqual(['auditor']);
  });

  it('refuses what a forger could choose: another key, an algorithm with a shared secret, no role, another audience', () => {
    expect(refusal(jwt(stranger.privateKey, { alg: 'ES256', kid: 'ec-1' }, claims()))).toContain(
      'not signed',
    );
    expect(refusal(jwt(ec.privateKey, { alg: 'ES256', kid: 'unknown' }, claims()))).toContain('(kid)');
    const hs = `${b64({ alg: 'HS256', kid: 'ec-1' })}.${b64(claims())}.c2lnbmF0dXJl`;
    expect(refusal(hs)).toContain('HS256');
    expect(
      refusal(jwt(ec.privateKey, { alg: 'ES256', kid: 'ec-1' }, claims({ roles: ['staff'] }))),
    ).toContain('no Lethe role');
    expect(refusal(jwt(ec.privateKey, { alg: 'ES256', kid: 'ec-1' }, claims({ aud: 'payroll' })))).toContain(
      'not for Lethe',
    );
    expect(refusal(jwt(ec.privateKey, { alg: 'ES256', kid: 'ec-1' }, claims({ exp: NOW - 1 })))).toContain(
      'expired',
    );
    expect(
      refusal(jwt(ec.privateKey, { alg: 'ES256', kid: 'ec-1' }, claims({ exp: NOW + 9 * 60 * 60 }))),
    ).toContain('longer than its scope allows');
  });

  it('keeps the keys it has when the discovery document names another issuer', async () => {
    discoveryIssuer = 'https://evil.example';
    expect(await trust.refresh()).toBe(false);
    discoveryIssuer = undefined;
    expect(check(jwt(ec.privateKey, { alg: 'ES256', kid: 'ec-1' }, claims())).scope).toEqual(['operator']);
  });
});
