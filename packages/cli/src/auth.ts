import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { generateSigningKeys, privateKeyFrom, SCOPES, signToken, type Scope } from '@lethe/service-kit';

import type { CliConfig } from './config';

interface KeyFile {
  privateKey: string;
  publicKey: string;
}

/** Makes the local signing key pair once (mode 600); services trust its public half. */
export function authInit(config: CliConfig): void {
  if (existsSync(config.authKeyFile)) {
    console.log(`auth: signing key present (${config.authKeyFile})`);
    return;
  }
  mkdirSync(path.dirname(config.authKeyFile), { recursive: true, mode: 0o700 });
  writeFileSync(config.authKeyFile, JSON.stringify(generateSigningKeys(), null, 2) + '\n', { mode: 0o600 });
  console.log(`auth: made a local signing key (${config.authKeyFile})`);
}

/** Makes the local key-encryption key once (32 random bytes, base64, mode 600). */
export function kekInit(config: CliConfig): void {
  if (existsSync(config.kekFile)) {
    console.log(`kek: key-encryption key present (${config.kekFile})`);
    return;
  }
  mkdirSync(path.dirname(config.kekFile), { recursive: true, mode: 0o700 });
  writeFileSync(config.kekFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  console.log(`kek: made a local key-encryption key (${config.kekFile})`);
}

function signingKey(config: CliConfig) {
  if (config.authPrivateKey) return privateKeyFrom(config.authPrivateKey);
  if (!existsSync(config.authKeyFile)) {
    throw new Error(
      `no signing key: run \`./lethe up\` (or \`./lethe auth init\`), or set LETHE_AUTH_PRIVATE_KEY`,
    );
  }
  return privateKeyFrom((JSON.parse(readFileSync(config.authKeyFile, 'utf8')) as KeyFile).privateKey);
}

/** `lethe token --scope operator [--subject ID] [--ttl SECONDS] [--name NAME]`: prints a token. */
export function mintToken(config: CliConfig, argv: string[], now = Date.now()): string {
  const { values } = parseArgs({
    args: argv,
    options: {
      scope: { type: 'string', multiple: true },
      subject: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      name: { type: 'string', default: 'local-operator' },
    },
  });
  const scopes = values.scope ?? [];
  const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new Error(`--scope takes one or more of: ${SCOPES.join(', ')}`);
  }
  if (scopes.includes('subject') && !values.subject)
    throw new Error('a subject token needs --subject <subjectId>');
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) throw new Error('--ttl is a whole number of seconds');
  const iat = Math.floor(now / 1000);
  return signToken(signingKey(config), {
    sub: values.name,
    scope: scopes as Scope[],
    ...(values.subject ? { subjectId: values.subject } : {}),
    iat,
    exp: iat + ttl,
  });
}
