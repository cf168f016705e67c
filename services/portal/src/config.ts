import type { KeyObject } from 'node:crypto';

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
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set: ${what}`);
  return value;
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
  return {
    ...service,
    publicUrl: (env.LETHE_PORTAL_URL || local(service.port)).replace(/\/$/, ''),
    accountUrl: env.LETHE_ACCOUNT_URL || local(3001),
    consentUrl: env.LETHE_CONSENT_URL || local(3002),
    erasureUrl: env.LETHE_ERASURE_URL || local(3004),
    retentionUrl: env.LETHE_RETENTION_URL || local(3003),
    auditUrl: env.LETHE_AUDIT_URL || local(3005),
    signingKey: privateKeyFrom(signingKey),
    smtp: smtpSettings(env),
  };
}
