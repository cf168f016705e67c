import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { generateSealingKeys } from '@lethe/crypto';
import {
  generateSigningKeys,
  LETHE_SERVICES,
  maxLifetimeOf,
  privateKeyFrom,
  SCOPES,
  signToken,
  type Scope,
} from '@lethe/service-kit';

import type { CliConfig } from './config';

interface KeyFile {
  privateKey: string;
  publicKey: string;
}

/** Writes a local secret once (mode 600 in a mode 700 folder); an existing one is kept. */
function writeSecretOnce(file: string, what: string, make: () => string): void {
  if (existsSync(file)) {
    console.log(`${what} present (${file})`);
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, make(), { mode: 0o600 });
  console.log(`made ${what} (${file})`);
}

/**
 * The local token signing key pair, kept for `lethe token` alone; services read only its public
 * half, from a file of its own (auth/public-keys: comma-separated, several while rotating).
 */
export function authInit(config: CliConfig): void {
  writeSecretOnce(
    config.authKeyFile,
    'auth: signing key',
    () => JSON.stringify(generateSigningKeys(), null, 2) + '\n',
  );
  const { publicKey } = JSON.parse(readFileSync(config.authKeyFile, 'utf8')) as KeyFile;
  writeSecretOnce(config.authPublicKeysFile, 'auth: verification keys', () => `${publicKey}\n`);
  // The portal signs its own tokens with a pair of its own, which services trust for the
  // service and subject scopes only (LETHE_AUTH_PORTAL_PUBLIC_KEYS).
  writeSecretOnce(
    config.portalKeyFile,
    'auth: portal signing key',
    () => JSON.stringify(generateSigningKeys(), null, 2) + '\n',
  );
  const portal = JSON.parse(readFileSync(config.portalKeyFile, 'utf8')) as KeyFile;
  writeSecretOnce(
    config.portalPublicKeysFile,
    'auth: portal verification keys',
    () => `${portal.publicKey}\n`,
  );
}

/** The local key-encryption key (32 random bytes, base64). */
export function kekInit(config: CliConfig): void {
  writeSecretOnce(config.kekFile, 'kek: key-encryption key', () => randomBytes(32).toString('base64') + '\n');
}

/** The account service's X25519 key pair: other services seal ingest fields to its public half. */
export function ingestKeyInit(config: CliConfig): void {
  writeSecretOnce(
    config.ingestKeyFile,
    'ingest: sealing key',
    () => JSON.stringify(generateSealingKeys(), null, 2) + '\n',
  );
}

/** The audit service's Ed25519 checkpoint key; auditors verify with the public half. */
export function auditKeyInit(config: CliConfig): void {
  writeSecretOnce(
    config.auditKeyFile,
    'audit: checkpoint signing key',
    () => JSON.stringify(generateSigningKeys(), null, 2) + '\n',
  );
}

/**
 * The erasure service's task-signing key pair: the service signs every task with the private
 * half; participants verify with the public half (auth/task-public-keys, LETHE_TASK_PUBLIC_KEYS).
 */
export function taskKeyInit(config: CliConfig): void {
  writeSecretOnce(
    config.taskKeyFile,
    'tasks: signing key',
    () => JSON.stringify(generateSigningKeys(), null, 2) + '\n',
  );
  const { publicKey } = JSON.parse(readFileSync(config.taskKeyFile, 'utf8')) as KeyFile;
  writeSecretOnce(config.taskPublicKeysFile, 'tasks: verification keys', () => `${publicKey}\n`);
}

/** The public half, for services that emit account events (LETHE_ACCOUNT_INGEST_PUBLIC_KEY). */
export function ingestPublicKey(config: CliConfig): string {
  if (!existsSync(config.ingestKeyFile))
    throw new Error('no ingest sealing key: run `./lethe up` (or `./lethe ingest-key init`)');
  return (JSON.parse(readFileSync(config.ingestKeyFile, 'utf8')) as KeyFile).publicKey;
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

/**
 * `lethe token --scope operator [--subject ID] [--ttl SECONDS] [--name NAME] [--aud SERVICE]...`:
 * prints a token for the named services (all of Lethe's by default), issued by LETHE_AUTH_ISSUER,
 * living no longer than its scope allows.
 */
export function mintToken(config: CliConfig, argv: string[], now = Date.now()): string {
  const { values } = parseArgs({
    args: argv,
    options: {
      scope: { type: 'string', multiple: true },
      subject: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      name: { type: 'string', default: 'local-operator' },
      aud: { type: 'string', multiple: true },
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
  const longest = maxLifetimeOf(scopes as Scope[]);
  if (ttl > longest) throw new Error(`--ttl is at most ${longest} seconds for scope ${scopes.join(', ')}`);
  if (!values.name.trim()) throw new Error('--name names the person or service the token is for');
  const iat = Math.floor(now / 1000);
  return signToken(signingKey(config), {
    sub: values.name,
    scope: scopes as Scope[],
    ...(values.subject ? { subjectId: values.subject } : {}),
    iss: config.authIssuer,
    aud: values.aud ?? [...LETHE_SERVICES],
    iat,
    exp: iat + ttl,
  });
}
