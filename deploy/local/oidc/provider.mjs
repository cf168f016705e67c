#!/usr/bin/env node
// The local stack's OpenID Connect provider, so operators sign in to the console the way they
// would in production: oidc-provider (an OpenID Certified implementation) with one client (the
// portal's console: authorization code, PKCE, client_secret_basic) and the local users in
// .lethe/secrets/oidc-users (name, password, role, email per line), over HTTPS under the local
// CA. Access tokens for Lethe are JWTs (ES256, 10 minutes) with the audience `lethe` and the
// user's roles in `roles`. Not for production: state is kept in memory.
import { createHash, generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import path from 'node:path';

import Provider, { errors } from 'oidc-provider';

const home = process.env.LETHE_HOME;
const host = process.env.LETHE_HOST ?? '127.0.0.1';
const port = Number(process.env.LETHE_OIDC_PORT ?? 3010);
const portalUrl = (process.env.LETHE_PORTAL_URL ?? 'https://127.0.0.1:3000').replace(/\/$/, '');
const issuer = `https://${host}:${port}`;
const secret = (name) => readFileSync(path.join(home, 'secrets', name), 'utf8').trim();

/** Lethe's API as one resource server: its tokens are JWTs for the audience `lethe`. */
const API_RESOURCE = 'urn:lethe:api';

const users = new Map(
  secret('oidc-users')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 4)
    .map(([name, password, role, email]) => [name, { password, roles: [role], email }]),
);

/** Signing keys, made once: RS256 for ID tokens (every client takes it), ES256 for access tokens. */
function signingKeys() {
  const file = path.join(home, 'secrets', 'oidc-jwks.json');
  if (!existsSync(file)) {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const keys = [
      { ...rsa, kid: 'local-rs256', alg: 'RS256', use: 'sig' },
      { ...ec, kid: 'local-es256', alg: 'ES256', use: 'sig' },
    ];
    writeFileSync(file, JSON.stringify({ keys }), { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'lethe-portal',
      client_secret: secret('oidc-client-secret'),
      redirect_uris: [`${portalUrl}/console/oidc/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: signingKeys(),
  cookies: {
    keys: [createHash('sha256').update(secret('oidc-client-secret')).update('cookies').digest('hex')],
  },
  pkce: { required: () => true },
  scopes: ['openid', 'email'],
  claims: { openid: ['sub'], email: ['email'] },
  async findAccount(_ctx, id) {
    const user = users.get(id);
    return user ? { accountId: id, claims: async () => ({ sub: id, email: user.email }) } : undefined;
  },
  async extraTokenClaims(_ctx, token) {
    const user = users.get(token.accountId);
    return user ? { roles: user.roles } : undefined;
  },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => API_RESOURCE,
      useGrantedResource: async () => true,
      async getResourceServerInfo(_ctx, indicator) {
        if (indicator !== API_RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: 'lethe',
          audience: 'lethe',
          accessTokenFormat: 'jwt',
          accessTokenTTL: 600,
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
  // The console is the provider's own first-party client: nothing to consent to.
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email');
    grant.addResourceScope(API_RESOURCE, 'lethe');
    await grant.save();
    return grant;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    Session: 8 * 60 * 60,
    Interaction: 10 * 60,
    AuthorizationCode: 60,
    IdToken: 600,
    Grant: 8 * 60 * 60,
  },
});

const escape = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

function loginPage(uid, problem) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - local identity provider</title></head><body><main>
<h1>Sign in to Lethe's operator console</h1>
<p>The local identity provider: the users are in .lethe/secrets/oidc-users.</p>
${problem ? `<p role="alert">${escape(problem)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<p><label for="username">Username</label><br><input id="username" name="username" autocomplete="username" required></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form></main></body></html>`;
}

const equal = (a, b) => {
  const left = createHash('sha256').update(a).digest();
  return timingSafeEqual(left, createHash('sha256').update(b).digest());
};

async function readForm(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(request, response, url) {
  const [, , uid, action] = url.pathname.split('/');
  response.setHeader('cache-control', 'no-store');
  const details = await provider.interactionDetails(request, response);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
  if (request.method === 'POST' && action === 'login') {
    const form = await readForm(request);
    const user = users.get(form.get('username') ?? '');
    if (!user || !equal(form.get('password') ?? '', user.password)) {
      response.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
      return response.end(loginPage(uid, 'That username and password do not match.'));
    }
    return provider.interactionFinished(
      request,
      response,
      { login: { accountId: form.get('username') } },
      { mergeWithLastSubmission: false },
    );
  }
  if (details.prompt.name === 'login') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return response.end(loginPage(uid));
  }
  // Any other prompt (consent) is settled by loadExistingGrant: carry on.
  return provider.interactionFinished(request, response, {}, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
createServer(
  { cert: readFileSync(process.env.LETHE_TLS_CERT_FILE), key: readFileSync(process.env.LETHE_TLS_KEY_FILE) },
  (request, response) => {
    const url = new URL(request.url ?? '/', issuer);
    if (url.pathname === '/readyz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end('{"status":"ready"}');
    }
    if (url.pathname.startsWith('/interaction/')) {
      return interaction(request, response, url).catch((error) => {
        response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`The sign-in could not go on (${error.name}); start again from the console.`);
      });
    }
    return callback(request, response);
  },
).listen(port, host, () => console.log(`local OpenID provider at ${issuer}`));
