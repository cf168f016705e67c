import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { kafkaConnectionFromEnv, type AclMatrixOptions, type KafkaConnection } from '@lethe/kafka';
import {
  CLOCK_OFFSET_KEY,
  commaList,
  DEFAULT_TOKEN_ISSUER,
  kekSettings,
  redisTlsOptions,
  serviceFetch,
  type KekSettings,
  type RedisTlsOptions,
  type ServiceFetch,
} from '@lethe/service-kit';
import { s3EnvFrom } from '@lethe/participant-s3';

// The one place the CLI reads its environment (STYLE.md section 4).

export interface CliConfig {
  /** The S3 endpoint, keys, CA and LETHE_OBJECT_BUCKETS, as `lethe buckets init` reads them. */
  s3Env: Record<string, string | undefined>;
  /** Brokers, TLS and SASL (LETHE_KAFKA_*, LETHE_TLS_CA_FILE). */
  kafka: KafkaConnection;
  registryUrl: string;
  /** The CA the servers and services are trusted by: LETHE_TLS_CA_FILE, else the local one. */
  tlsCaFile: string | undefined;
  /** Where the local signing key pair lives (made by `lethe auth init`). */
  authKeyFile: string;
  /** The portal's token key pair, and the public half services trust for its scopes. */
  portalKeyFile: string;
  portalPublicKeysFile: string;
  /** The public halves services trust (made beside the signing key). */
  authPublicKeysFile: string;
  /** The erasure service's task-signing key pair, and the public halves participants trust. */
  taskKeyFile: string;
  taskPublicKeysFile: string;
  /** The task keys `audit verify` checks signatures with (LETHE_TASK_PUBLIC_KEYS, else the file). */
  taskPublicKeys: string | undefined;
  /** Who tokens say issued them (LETHE_AUTH_ISSUER); services check it. */
  authIssuer: string;
  /** The local key-encryption key (made by `lethe kek init`); production uses a KMS. */
  kekFile: string;
  /** KEKs being rotated out, locally (`lethe kek rotate` appends to it). */
  retiredKekFile: string;
  /** The KEK settings (LETHE_KEK_PROVIDER, LETHE_KEK, LETHE_KEK_PREVIOUS ...), read when needed. */
  kekSettings: () => KekSettings;
  /** The MongoDB-wire server with credentials (LETHE_MONGO_URL), for `keys rotate-kek`. */
  mongoUrl: string | undefined;
  /** The account service's X25519 sealing key pair (made by `lethe ingest-key init`). */
  ingestKeyFile: string;
  /** A production signing key (base64 PKCS#8 DER) given instead of the local file. */
  authPrivateKey: string | undefined;
  redisUrl: string;
  redisOptions: RedisTlsOptions;
  mongoDatabase: string;
  /** Prepended to every topic name (an isolated copy of the system). */
  topicPrefix: string;
  /** The audit checkpoint key pair (made by `lethe audit-key init`). */
  auditKeyFile: string;
  /** The checkpoint verification key given instead of the local file (base64 SPKI DER). */
  auditPublicKey: string | undefined;
  /** The shared clock offset (services run with LETHE_CLOCK=shared-offset read it). */
  clockOffsetKey: string;
  /** The erasure service's API (LETHE_ERASURE_URL), for `lethe keys reconcile`. */
  erasureUrl: string;
  /** Calls the services over HTTPS, trusting LETHE_TLS_CA_FILE (or the local CA). */
  serviceFetch: ServiceFetch;
  /** What the ACL matrix grants (`lethe kafka acls`, applied by `lethe topics apply`). */
  acls: AclMatrixOptions;
}

const readIfPresent = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);

/** LETHE_KAFKA_PARTICIPANTS: `participant-id=principal,...`, participants outside Lethe. */
function externalParticipants(raw: string | undefined): Record<string, string> {
  const pairs = (raw ?? '').split(',').filter((pair) => pair.trim() !== '');
  return Object.fromEntries(
    pairs.map((pair) => {
      const [participantId, principal] = pair.split('=').map((part) => part.trim());
      if (!participantId || !principal)
        throw new Error(
          `LETHE_KAFKA_PARTICIPANTS must be participant-id=principal pairs, not ${JSON.stringify(pair)}`,
        );
      return [participantId, principal];
    }),
  );
}

/** The CA the services' certificates are checked against: LETHE_TLS_CA_FILE, else the local one. */
function localCaFile(env: NodeJS.ProcessEnv, home: string): string | undefined {
  if (env.LETHE_TLS_CA_FILE) return env.LETHE_TLS_CA_FILE;
  const local = path.join(home, 'tls', 'ca.crt');
  return existsSync(local) ? local : undefined;
}

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const kafka = kafkaConnectionFromEnv(env);
  const home = env.LETHE_HOME ?? path.resolve(__dirname, '..', '..', '..', '.lethe');
  return {
    s3Env: { ...s3EnvFrom(env), LETHE_OBJECT_BUCKETS: env.LETHE_OBJECT_BUCKETS },
    kafka,
    registryUrl:
      env.LETHE_REGISTRY_URL ?? `https://127.0.0.1:${env.LETHE_REGISTRY_PORT ?? 8081}/apis/ccompat/v7`,
    tlsCaFile: localCaFile(env, home),
    authKeyFile: path.join(home, 'auth', 'signing-key.json'),
    portalKeyFile: path.join(home, 'secrets', 'portal-key.json'),
    portalPublicKeysFile: path.join(home, 'auth', 'portal-public-keys'),
    authPublicKeysFile: path.join(home, 'auth', 'public-keys'),
    taskKeyFile: path.join(home, 'secrets', 'task-signing-key.json'),
    taskPublicKeysFile: path.join(home, 'auth', 'task-public-keys'),
    taskPublicKeys: env.LETHE_TASK_PUBLIC_KEYS || readIfPresent(path.join(home, 'auth', 'task-public-keys')),
    authIssuer: env.LETHE_AUTH_ISSUER || DEFAULT_TOKEN_ISSUER,
    kekFile: path.join(home, 'secrets', 'kek'),
    retiredKekFile: path.join(home, 'secrets', 'kek.previous'),
    kekSettings: () => kekSettings({ ...env, LETHE_HOME: home }),
    mongoUrl: env.LETHE_MONGO_URL || undefined,
    ingestKeyFile: path.join(home, 'secrets', 'ingest-key.json'),
    authPrivateKey: env.LETHE_AUTH_PRIVATE_KEY || undefined,
    mongoDatabase: env.LETHE_MONGO_DATABASE ?? 'lethe',
    topicPrefix: env.LETHE_TOPIC_PREFIX ?? '',
    auditKeyFile: path.join(home, 'secrets', 'audit-key.json'),
    auditPublicKey: env.LETHE_AUDIT_PUBLIC_KEY || undefined,
    redisUrl: env.LETHE_REDIS_URL ?? `redis://127.0.0.1:${env.LETHE_REDIS_PORT ?? 6379}`,
    redisOptions: redisTlsOptions(env),
    clockOffsetKey: env.LETHE_CLOCK_OFFSET_KEY || CLOCK_OFFSET_KEY,
    erasureUrl: env.LETHE_ERASURE_URL ?? `https://127.0.0.1:${env.LETHE_ERASURE_PORT ?? 3004}`,
    serviceFetch: serviceFetch(localCaFile(env, home)),
    acls: {
      // Locally services create and configure their own task and dead-letter topics; with
      // LETHE_MANAGE_TOPICS=false operators own every topic and services get no such grant.
      servicesManageOwnTopics: kafka.topics?.manage ?? true,
      externalParticipants: externalParticipants(env.LETHE_KAFKA_PARTICIPANTS),
      compactedTopics: commaList(env.LETHE_COMPACTED_TOPICS),
      ingestWriters: commaList(env.LETHE_KAFKA_INGEST_WRITERS),
      topicName: (logical) => (env.LETHE_TOPIC_PREFIX ? `${env.LETHE_TOPIC_PREFIX}.${logical}` : logical),
    },
  };
}
