import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

import {
  ConfigError,
  loadServiceConfigWithoutKek,
  privateKeyFrom,
  secretFrom,
  type ServiceConfigWithoutKek,
} from '@lethe/service-kit';

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** The sender address of every mail (LETHE_MAIL_FROM). */
  readonly from: string;
}

/** The portal seals nothing: it is never given the key-encryption key. */
export interface PortalConfig extends ServiceConfigWithoutKek {
  /** Where users reach the portal (LETHE_PORTAL_URL): the links in mails point here. */
  publicUrl: string;
  accountUrl: string;
  consentUrl: string;
  erasureUrl: string;
  retentionUrl: string;
  auditUrl: string;
  /** The portal's own token key: the services trust it for service and subject tokens only. */
  signingKey: KeyObject;
  smtp: SmtpSettings;
  /** The console's client at the OpenID provider; undefined: operators sign in with tokens only. */
  oidcClient: { clientId: string; clientSecret: string } | undefined;
  /** The OpenDSR processor endpoints; undefined when there is no certificate to sign with. */
  opendsr: OpenDsrSettings | undefined;
}

export interface OpenDsrSettings {
  /** X-OpenDSR-Processor-Domain: the domain the signing certificate is issued to. */
  readonly domain: string;
  readonly certificatePem: string;
  readonly keyPem: string;
  /** The only hosts callbacks go to; empty: any HTTPS host. */
  readonly callbackHosts: readonly string[];
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set: ${what}`);
  return value;
}

/**
 * LETHE_OPENDSR_CERT_FILE and LETHE_OPENDSR_KEY_FILE sign OpenDSR answers and callbacks; by
 * default the portal's own HTTPS certificate and key, issued to the domain controllers call.
 */
function openDsrSettings(
  env: NodeJS.ProcessEnv,
  https: ServiceConfigWithoutKek['https'],
  publicUrl: string,
): OpenDsrSettings | undefined {
  const certFile = env.LETHE_OPENDSR_CERT_FILE;
  const keyFile = env.LETHE_OPENDSR_KEY_FILE;
  if (Boolean(certFile) !== Boolean(keyFile))
    throw new ConfigError('LETHE_OPENDSR_CERT_FILE and LETHE_OPENDSR_KEY_FILE go together');
  const pair =
    certFile && keyFile
      ? { certificatePem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') }
      : https
        ? { certificatePem: https.cert, keyPem: https.key }
        : undefined;
  if (!pair) return undefined;
  return {
    ...pair,
    domain: env.LETHE_OPENDSR_DOMAIN || new URL(publicUrl).hostname,
    callbackHosts: (env.LETHE_OPENDSR_CALLBACK_HOSTS ?? '')
      .split(',')
      .map((host) => host.trim())
      .filter(Boolean),
  };
}

/** With a provider (LETHE_AUTH_OIDC_ISSUER), the console's client there, if it has a secret. */
function oidcClient(env: NodeJS.ProcessEnv, service: ServiceConfigWithoutKek): PortalConfig['oidcClient'] {
  if (!service.tokens.oidc) return undefined;
  let clientSecret = env.LETHE_PORTAL_OIDC_CLIENT_SECRET;
  if (!clientSecret) {
    try {
      clientSecret = secretFrom(env, 'LETHE_PORTAL_OIDC_CLIENT_SECRET', 'secrets/oidc-client-secret', '');
    } catch {
      return undefined;
    }
  }
  return { clientId: env.LETHE_PORTAL_OIDC_CLIENT_ID || 'lethe-portal', clientSecret };
}

function smtpSettings(env: NodeJS.ProcessEnv): SmtpSettings {
  const port = Number(env.LETHE_SMTP_PORT ?? 587);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new ConfigError(
      `LETHE_SMTP_PORT must be a port number, not ${JSON.stringify(env.LETHE_SMTP_PORT)}`,
    );
  return {
    host: required(env, 'LETHE_SMTP_HOST', 'the mail server the portal sends sign-in codes through'),
    port,
    username: required(env, 'LETHE_SMTP_USERNAME', 'the login on the mail server (it must require one)'),
    password: required(env, 'LETHE_SMTP_PASSWORD', 'the password of LETHE_SMTP_USERNAME'),
    from: env.LETHE_MAIL_FROM || 'Lethe privacy <privacy@lethe.invalid>',
  };
}

export function loadPortalConfig(env: NodeJS.ProcessEnv = process.env): PortalConfig {
  const service = loadServiceConfigWithoutKek({ name: 'portal', defaultPort: 3000 }, env);
  const local = (port: number) => `https://127.0.0.1:${port}`;
  const signingKey = secretFrom(
    env,
    'LETHE_PORTAL_PRIVATE_KEY',
    'secrets/portal-key.json',
    'portal token key',
    (text) => {
      const parsed = JSON.parse(text) as { privateKey?: unknown };
      if (typeof parsed.privateKey !== 'string')
        throw new ConfigError('secrets/portal-key.json holds no privateKey');
      return parsed.privateKey;
    },
  );
  const publicUrl = (env.LETHE_PORTAL_URL || local(service.port)).replace(/\/$/, '');
  return {
    ...service,
    publicUrl,
    accountUrl: env.LETHE_ACCOUNT_URL || local(3001),
    consentUrl: env.LETHE_CONSENT_URL || local(3002),
    erasureUrl: env.LETHE_ERASURE_URL || local(3004),
    retentionUrl: env.LETHE_RETENTION_URL || local(3003),
    auditUrl: env.LETHE_AUDIT_URL || local(3005),
    signingKey: privateKeyFrom(signingKey),
    smtp: smtpSettings(env),
    oidcClient: oidcClient(env, service),
    opendsr: openDsrSettings(env, service.https, publicUrl),
  };
}
