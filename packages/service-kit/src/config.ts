import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';

import { kafkaConnectionFromEnv, KafkaConnectionError, type KafkaConnection } from '@lethe/kafka';
import { publicKeysFrom } from '@lethe/signing-keys';

import { CLOCK_OFFSET_KEY } from './clock';
import type { OidcTrustSettings } from './oidc-trust';
import { DEFAULT_TOKEN_ISSUER, type TokenSettings } from './tokens';
import type { TracingSettings } from './tracing';

// The one place a service reads its environment (STYLE.md section 4). Every value is checked
// here, so a service with a bad setting refuses to start with a message naming the variable.

/** The certificate chain and private key (PEM) a service serves HTTPS with. */
export interface ServerTls {
  cert: string;
  key: string;
}

export interface ServiceConfig {
  host: string;
  port: number;
  /** HTTPS (LETHE_TLS_CERT[_FILE], LETHE_TLS_KEY[_FILE]); undefined only with LETHE_HTTP_TLS=off. */
  https: ServerTls | undefined;
  /** Brokers, TLS and SASL (LETHE_KAFKA_*, LETHE_TLS_CA_FILE). */
  kafka: KafkaConnection;
  mongoUrl: string;
  mongoDatabase: string;
  redisUrl: string;
  /** ioredis options beside the URL: the CA a `rediss://` server is trusted by. */
  redisOptions: RedisTlsOptions;
  /** The schema registry, credentials in the URL (`https://user:password@host/apis/ccompat/v7`). */
  registryUrl: string;
  /** The CA the stack's servers are trusted by (LETHE_TLS_CA_FILE): registry, Kafka, Redis. */
  tlsCaFile: string | undefined;
  /** Where the key-encryption key is: local (LETHE_KEK) or AWS KMS (LETHE_KEK_PROVIDER=aws-kms). */
  kek: KekSettings;
  publicKeys: KeyObject[];
  /** Where spans are exported (LETHE_OTLP_ENDPOINT); undefined: not exported (the default). */
  tracing: TracingSettings | undefined;
  /** Token issuer and revoked ids (LETHE_AUTH_ISSUER, LETHE_AUTH_REVOKED_JTIS). */
  tokens: TokenSettings;
  /** The erasure service's task-signing public keys: participants run only tasks they verify. */
  taskPublicKeys: KeyObject[];
  logLevel: string;
  /** Prepended to every topic name: lets tests run isolated copies of the system. */
  topicPrefix: string;
  /** `system`, or `shared-offset`: system time moved by an offset in Redis (demos, e2e tests). */
  clock: 'system' | 'shared-offset';
  /** The Redis key of the shared offset (one per isolated copy of the system). */
  clockOffsetKey: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
}

function port(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new ConfigError(`${name} must be a TCP port, not ${JSON.stringify(raw)}`);
  return value;
}

function readLocal(file: string, what: string, variable: string): string {
  if (!existsSync(file))
    throw new ConfigError(`no ${what}: set ${variable}, or run ./lethe up to make a local one (${file})`);
  return readFileSync(file, 'utf8').trim();
}

function clockKind(raw: string | undefined): ServiceConfig['clock'] {
  if (raw === undefined || raw === '' || raw === 'system') return 'system';
  if (raw === 'shared-offset') return raw;
  throw new ConfigError(`LETHE_CLOCK must be system or shared-offset, not ${JSON.stringify(raw)}`);
}

const letheHome = (env: NodeJS.ProcessEnv) =>
  env.LETHE_HOME ?? path.resolve(__dirname, '..', '..', '..', '.lethe');

/**
 * A secret from its variable, or else from the local file under .lethe/ that `./lethe up` made;
 * `pick` takes the part wanted out of the file's text.
 */
export function secretFrom(
  env: NodeJS.ProcessEnv,
  variable: string,
  localFile: string,
  what: string,
  pick: (text: string) => string = (text) => text,
): string {
  return env[variable] || pick(readLocal(path.join(letheHome(env), localFile), what, variable));
}

/** Optional: without a portal (or before `./lethe up` made its key) no portal key is trusted. */
function portalPublicKeys(env: NodeJS.ProcessEnv): string {
  if (env.LETHE_AUTH_PORTAL_PUBLIC_KEYS !== undefined) return env.LETHE_AUTH_PORTAL_PUBLIC_KEYS;
  const file = path.join(letheHome(env), 'auth', 'portal-public-keys');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
}

/**
 * LETHE_AUTH_OIDC_ISSUER (locally the issuer `./lethe up` started, in auth/oidc-issuer): an
 * OpenID provider whose access tokens are accepted for the operator and auditor roles.
 */
function oidcSettings(env: NodeJS.ProcessEnv): { oidc?: OidcTrustSettings } {
  const localFile = path.join(letheHome(env), 'auth', 'oidc-issuer');
  const issuer =
    env.LETHE_AUTH_OIDC_ISSUER ?? (existsSync(localFile) ? readFileSync(localFile, 'utf8').trim() : '');
  if (!issuer) return {};
  if (!/^https:\/\/[^/]/.test(issuer))
    throw new ConfigError('LETHE_AUTH_OIDC_ISSUER must be the https URL of an OpenID provider');
  return {
    oidc: {
      issuer,
      audience: env.LETHE_AUTH_OIDC_AUDIENCE || 'lethe',
      rolesClaim: env.LETHE_AUTH_OIDC_ROLES_CLAIM || 'roles',
      roles: {
        operator: env.LETHE_AUTH_OIDC_OPERATOR_ROLE || 'lethe-operator',
        auditor: env.LETHE_AUTH_OIDC_AUDITOR_ROLE || 'lethe-auditor',
      },
      caFile: env.LETHE_TLS_CA_FILE || undefined,
    },
  };
}

export function loadServiceConfig(
  service: { name: string; defaultPort: number },
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfig {
  const kek = kekSettings(env);
  return { ...loadServiceConfigWithoutKek(service, env), kek };
}

/** What a process that seals nothing reads (the portal): everything but the KEK, never given it. */
export type ServiceConfigWithoutKek = Omit<ServiceConfig, 'kek'>;

export function loadServiceConfigWithoutKek(
  service: { name: string; defaultPort: number },
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfigWithoutKek {
  const upper = service.name.toUpperCase();
  // Public keys only: the signing key stays with `lethe token` (auth/signing-key.json).
  const publicKeys = publicKeysIn(
    'LETHE_AUTH_PUBLIC_KEYS',
    secretFrom(env, 'LETHE_AUTH_PUBLIC_KEYS', 'auth/public-keys', 'token verification keys'),
  );
  return {
    host: env[`LETHE_${upper}_HOST`] ?? '127.0.0.1',
    port: port(`LETHE_${upper}_PORT`, env[`LETHE_${upper}_PORT`], service.defaultPort),
    https: serverTls(env),
    kafka: kafkaConnection(env),
    // Credentials and TLS travel in the URL (`./lethe env --as NAME` prints the local one).
    mongoUrl: env.LETHE_MONGO_URL ?? `mongodb://127.0.0.1:${env.LETHE_MONGO_PORT ?? 27017}/`,
    mongoDatabase: env.LETHE_MONGO_DATABASE ?? 'lethe',
    redisUrl: env.LETHE_REDIS_URL ?? `redis://127.0.0.1:${env.LETHE_REDIS_PORT ?? 6379}`,
    redisOptions: redisTlsOptions(env),
    registryUrl:
      env.LETHE_REGISTRY_URL ?? `https://127.0.0.1:${env.LETHE_REGISTRY_PORT ?? 8081}/apis/ccompat/v7`,
    tlsCaFile: env.LETHE_TLS_CA_FILE || undefined,
    publicKeys,
    taskPublicKeys: publicKeysIn(
      'LETHE_TASK_PUBLIC_KEYS',
      secretFrom(env, 'LETHE_TASK_PUBLIC_KEYS', 'auth/task-public-keys', 'task verification keys'),
    ),
    tracing: tracingSettings(env),
    tokens: {
      issuer: env.LETHE_AUTH_ISSUER || DEFAULT_TOKEN_ISSUER,
      revokedIds: new Set(commaList(env.LETHE_AUTH_REVOKED_JTIS)),
      portalKeys: publicKeysIn('LETHE_AUTH_PORTAL_PUBLIC_KEYS', portalPublicKeys(env)),
      ...oidcSettings(env),
    },
    logLevel: env.LETHE_LOG_LEVEL ?? 'info',
    topicPrefix: env.LETHE_TOPIC_PREFIX ?? '',
    clock: clockKind(env.LETHE_CLOCK),
    clockOffsetKey: env.LETHE_CLOCK_OFFSET_KEY || CLOCK_OFFSET_KEY,
  };
}

/** LETHE_OTLP_ENDPOINT (off when unset) and LETHE_OTLP_HEADERS (`name=value,...`). */
function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings | undefined {
  const endpoint = env.LETHE_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  if (!/^https?:\/\/[^/]/.test(endpoint))
    throw new ConfigError('LETHE_OTLP_ENDPOINT must be an http(s) URL, e.g. https://collector:4318');
  const headers: Record<string, string> = {};
  for (const pair of commaList(env.LETHE_OTLP_HEADERS)) {
    const at = pair.indexOf('=');
    // The value may be a credential: the message names the variable, never what it holds.
    if (at <= 0) throw new ConfigError('LETHE_OTLP_HEADERS must be name=value pairs separated by commas');
    headers[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return { endpoint, headers, caFile: env.LETHE_TLS_CA_FILE || undefined };
}

export interface RedisTlsOptions {
  tls?: { ca: string[] };
}

/**
 * For a `rediss://` LETHE_REDIS_URL (credentials travel in it), the CA to trust instead of the
 * system's: LETHE_TLS_CA_FILE.
 */
export function redisTlsOptions(env: NodeJS.ProcessEnv): RedisTlsOptions {
  const caFile = env.LETHE_TLS_CA_FILE;
  if (!env.LETHE_REDIS_URL?.startsWith('rediss://') || !caFile) return {};
  if (!existsSync(caFile)) throw new ConfigError(`LETHE_TLS_CA_FILE names no file: ${caFile}`);
  return { tls: { ca: [readFileSync(caFile, 'utf8')] } };
}

/**
 * What the service serves HTTPS with: PEM from LETHE_TLS_CERT / LETHE_TLS_KEY, or from the files
 * LETHE_TLS_CERT_FILE / LETHE_TLS_KEY_FILE name, or the local stack's (.lethe/tls). Plain HTTP
 * only when asked for by name (LETHE_HTTP_TLS=off), for a service behind a proxy or mesh that
 * terminates TLS itself: a missing certificate must not quietly mean cleartext.
 */
function serverTls(env: NodeJS.ProcessEnv): ServerTls | undefined {
  const mode = env.LETHE_HTTP_TLS || 'on';
  if (mode === 'off') return undefined;
  if (mode !== 'on') throw new ConfigError(`LETHE_HTTP_TLS must be on or off, not ${JSON.stringify(mode)}`);
  const pem = (variable: string, localFile: string, what: string) =>
    env[variable] ||
    readLocal(env[`${variable}_FILE`] || path.join(letheHome(env), localFile), what, `${variable}_FILE`);
  return {
    cert: pem('LETHE_TLS_CERT', 'tls/server.crt', 'HTTPS certificate'),
    key: pem('LETHE_TLS_KEY', 'tls/server.key', 'HTTPS private key'),
  };
}

/** The key-encryption key a service, or the CLI, wraps subject keys with. */
export type KekSettings =
  | { kind: 'local'; key: string; retired: string[] }
  | { kind: 'aws-kms'; keyId: string; region: string; endpoint: string | undefined; retired: string[] };

/**
 * LETHE_KEK_PROVIDER: `local` (LETHE_KEK, base64 of 32 bytes, or the local stack's file) or
 * `aws-kms` (LETHE_KMS_KEY_ID, LETHE_KMS_REGION or AWS_REGION, LETHE_KMS_ENDPOINT if not AWS's;
 * credentials from the AWS SDK's own chain). LETHE_KEK_PREVIOUS (locally secrets/kek.previous)
 * names local KEKs being rotated out: they unwrap until `lethe keys rotate-kek` has run.
 */
export function kekSettings(env: NodeJS.ProcessEnv): KekSettings {
  const retiredFile = path.join(letheHome(env), 'secrets', 'kek.previous');
  const retired = commaList(
    env.LETHE_KEK_PREVIOUS ??
      (existsSync(retiredFile) ? readFileSync(retiredFile, 'utf8').replace(/\n/g, ',') : ''),
  );
  const provider = env.LETHE_KEK_PROVIDER || 'local';
  if (provider === 'local')
    return { kind: 'local', key: secretFrom(env, 'LETHE_KEK', 'secrets/kek', 'key-encryption key'), retired };
  if (provider !== 'aws-kms')
    throw new ConfigError(`LETHE_KEK_PROVIDER must be local or aws-kms, not ${JSON.stringify(provider)}`);
  const keyId = env.LETHE_KMS_KEY_ID;
  const region = env.LETHE_KMS_REGION || env.AWS_REGION;
  if (!keyId || !region)
    throw new ConfigError(
      'LETHE_KEK_PROVIDER=aws-kms needs LETHE_KMS_KEY_ID and LETHE_KMS_REGION (or AWS_REGION)',
    );
  return { kind: 'aws-kms', keyId, region, endpoint: env.LETHE_KMS_ENDPOINT || undefined, retired };
}

/** Comma-separated base64 SPKI DER Ed25519 keys, or a ConfigError naming the variable. */
function publicKeysIn(variable: string, list: string): KeyObject[] {
  try {
    return publicKeysFrom(list);
  } catch (cause) {
    throw new ConfigError(`${variable} must be base64 SPKI DER Ed25519 keys (${(cause as Error).message})`);
  }
}

/** The items of a comma-separated setting, trimmed, empty ones dropped. */
export function commaList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function kafkaConnection(env: NodeJS.ProcessEnv): KafkaConnection {
  try {
    return kafkaConnectionFromEnv(env);
  } catch (error) {
    if (error instanceof KafkaConnectionError) throw new ConfigError(error.message);
    throw error;
  }
}

export function topicNamer(prefix: string): (logical: string) => string {
  return prefix ? (logical) => `${prefix}.${logical}` : (logical) => logical;
}
