// Every LETHE_* variable in one place: name, default, who reads it, what it means. The
// configuration reference (docs/configuration.md) is rendered from this list, and a test fails
// when the code reads a variable the list lacks, or the list names one the code no longer reads.

/** Who reads a variable: a service, the `lethe` CLI, the local stack's scripts, or the tests. */
export type VariableReader =
  | 'account'
  | 'consent'
  | 'retention'
  | 'erasure'
  | 'audit'
  | 'portal'
  | 'cli'
  | 'participants'
  | 'local stack'
  | 'tests';

export interface ConfigVariable {
  /** The name; `<SERVICE>` stands for ACCOUNT, CONSENT, RETENTION, ERASURE, AUDIT or PORTAL. */
  readonly name: string;
  /** What holds when it is unset (`-`: nothing; the feature is off or the value is required). */
  readonly default: string;
  readonly readers: readonly VariableReader[];
  readonly meaning: string;
  /** A secret: give it from a secret store (a Kubernetes Secret), never a ConfigMap. */
  readonly secret?: boolean;
}

const SERVICES: VariableReader[] = ['account', 'consent', 'retention', 'erasure', 'audit', 'portal'];
/** The services that seal personal data: every one but the portal, which is never given the KEK. */
const SEALING_SERVICES: VariableReader[] = SERVICES.filter((service) => service !== 'portal');
const EVERY_PROCESS: VariableReader[] = [...SERVICES, 'cli', 'participants'];
const LOCAL_HOME = '`.lethe` in the repository';

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  // Where things are.
  {
    name: 'LETHE_HOME',
    default: LOCAL_HOME,
    readers: [...SERVICES, 'cli', 'local stack'],
    meaning:
      'The local files: keys, TLS material, data and logs of the local stack. Unused when every secret is given.',
  },
  {
    name: 'LETHE_<SERVICE>_HOST',
    default: '127.0.0.1',
    readers: SERVICES,
    meaning: 'The address the service listens on. `0.0.0.0` in a container or pod.',
  },
  {
    name: 'LETHE_<SERVICE>_PORT',
    default: 'account 3001, consent 3002, retention 3003, erasure 3004, audit 3005',
    readers: [...SERVICES, 'local stack'],
    meaning: "The service's HTTPS port.",
  },
  {
    name: 'LETHE_<SERVICE>_URL',
    default: 'https://127.0.0.1:<port>',
    readers: ['cli', 'portal', 'erasure', 'local stack'],
    meaning:
      "Where the CLI, the portal and the local stack's probes reach the service (`lethe keys reconcile` uses the erasure service's; `LETHE_PORTAL_URL` is where users reach the portal, the links in its mails). The erasure service links each completed request to its receipt at `LETHE_AUDIT_URL`.",
  },
  {
    name: 'LETHE_PORTAL_PRIVATE_KEY',
    default: '`$LETHE_HOME/secrets/portal-key.json`',
    readers: ['portal'],
    secret: true,
    meaning:
      "The portal's token signing key (base64 PKCS#8 Ed25519); its public half goes in every service's `LETHE_AUTH_PORTAL_PUBLIC_KEYS`. The portal's sign-in and session keys are derived from it.",
  },
  {
    name: 'LETHE_AUTH_OIDC_ISSUER',
    default: 'the local provider `./lethe up` starts (`auth/oidc-issuer`), else - (off)',
    readers: [...SERVICES],
    meaning:
      "An OpenID Connect provider's issuer URL (https): its JWT access tokens for `LETHE_AUTH_OIDC_AUDIENCE` are accepted beside Lethe's own, with the operator or auditor scope their roles grant, and the console signs operators in through it. Its keys are read from its discovery document's `jwks_uri`.",
  },
  {
    name: 'LETHE_AUTH_OIDC_AUDIENCE',
    default: '`lethe`',
    readers: [...SERVICES],
    meaning: "The `aud` the provider's access tokens for Lethe carry.",
  },
  {
    name: 'LETHE_AUTH_OIDC_ROLES_CLAIM',
    default: '`roles`',
    readers: [...SERVICES],
    meaning: "The access-token claim that lists the caller's roles (an array or a space-separated string).",
  },
  {
    name: 'LETHE_AUTH_OIDC_OPERATOR_ROLE',
    default: '`lethe-operator`',
    readers: [...SERVICES],
    meaning: 'The role that grants the `operator` scope.',
  },
  {
    name: 'LETHE_AUTH_OIDC_AUDITOR_ROLE',
    default: '`lethe-auditor`',
    readers: [...SERVICES],
    meaning: 'The role that grants the `auditor` scope.',
  },
  {
    name: 'LETHE_PORTAL_OIDC_CLIENT_ID',
    default: '`lethe-portal` (locally)',
    readers: ['portal'],
    meaning:
      "The console's client at the provider (authorization code with PKCE, `client_secret_basic`); its redirect URI is `LETHE_PORTAL_URL` + `/console/oidc/callback`.",
  },
  {
    name: 'LETHE_PORTAL_OIDC_CLIENT_SECRET',
    default: 'the local one (`secrets/oidc-client-secret`), else - (no OIDC sign-in)',
    readers: ['portal'],
    secret: true,
    meaning: "The console client's secret at the provider.",
  },
  {
    name: 'LETHE_SMTP_HOST',
    default: '- (required by the portal)',
    readers: ['portal'],
    meaning: 'The mail server the portal sends sign-in codes and notices through (STARTTLS required).',
  },
  {
    name: 'LETHE_SMTP_PORT',
    default: '587',
    readers: ['portal'],
    meaning: "The mail server's submission port.",
  },
  {
    name: 'LETHE_SMTP_USERNAME',
    default: '- (required by the portal)',
    readers: ['portal'],
    meaning: 'The login on the mail server.',
  },
  {
    name: 'LETHE_SMTP_PASSWORD',
    default: '- (required by the portal)',
    readers: ['portal'],
    secret: true,
    meaning: 'The password of `LETHE_SMTP_USERNAME`.',
  },
  {
    name: 'LETHE_OPENDSR_CERT_FILE',
    default: "the portal's HTTPS certificate",
    readers: ['portal'],
    meaning:
      'The certificate (PEM, with its chain) that OpenDSR answers and callbacks are signed under, issued by a trusted CA to `LETHE_OPENDSR_DOMAIN`; served at `/v1/opendsr/certificate.pem`. Set with `LETHE_OPENDSR_KEY_FILE`.',
  },
  {
    name: 'LETHE_OPENDSR_KEY_FILE',
    default: "the portal's HTTPS key",
    readers: ['portal'],
    secret: true,
    meaning: 'The private key of `LETHE_OPENDSR_CERT_FILE` (RSA, EC or Ed25519; signatures are SHA-256).',
  },
  {
    name: 'LETHE_OPENDSR_DOMAIN',
    default: 'the host of `LETHE_PORTAL_URL`',
    readers: ['portal'],
    meaning: 'The processor domain OpenDSR answers and callbacks name (`X-OpenDSR-Processor-Domain`).',
  },
  {
    name: 'LETHE_OPENDSR_CALLBACK_HOSTS',
    default: '- (any HTTPS host)',
    readers: ['portal'],
    meaning:
      "The only hosts (`host` or `host:port`, comma-separated) an OpenDSR request's `status_callback_urls` may name; a request naming another is refused with 400.",
  },
  {
    name: 'LETHE_MAIL_FROM',
    default: '`Lethe privacy <privacy@lethe.invalid>`',
    readers: ['portal'],
    meaning: "The sender of the portal's mails.",
  },
  {
    name: 'LETHE_MAIL_SMTP_PORT',
    default: '1025',
    readers: ['local stack'],
    meaning: "The local mail server's SMTP port (Mailpit; STARTTLS and a login required).",
  },
  {
    name: 'LETHE_MAIL_API_PORT',
    default: '8025',
    readers: ['local stack'],
    meaning: "The local mail server's web UI and API port (HTTPS, login `admin`).",
  },
  {
    name: 'LETHE_OIDC_PORT',
    default: '3010',
    readers: ['local stack'],
    meaning:
      "The local OpenID provider's port (HTTPS; users in `secrets/oidc-users`); its URL is the services' `LETHE_AUTH_OIDC_ISSUER` locally.",
  },
  {
    name: 'LETHE_MAIL_API_URL',
    default: '`./lethe env` prints it',
    readers: ['tests'],
    secret: true,
    meaning:
      "The local mail server's API with admin's credentials in it: how the tests read the mails users get.",
  },
  {
    name: 'LETHE_LOG_LEVEL',
    default: 'info',
    readers: SERVICES,
    meaning: 'pino level: fatal, error, warn, info, debug, trace or silent.',
  },
  // HTTPS and tokens.
  {
    name: 'LETHE_HTTP_TLS',
    default: 'on',
    readers: SERVICES,
    meaning: '`off` serves plain HTTP, only behind a proxy or mesh that terminates TLS itself.',
  },
  {
    name: 'LETHE_TLS_CERT',
    default: '-',
    readers: SERVICES,
    meaning: 'PEM of the HTTPS certificate (chain).',
    secret: true,
  },
  {
    name: 'LETHE_TLS_CERT_FILE',
    default: '`$LETHE_HOME/tls/server.crt`',
    readers: [...SERVICES, 'local stack'],
    meaning: 'The HTTPS certificate as a file, when LETHE_TLS_CERT is not given.',
  },
  {
    name: 'LETHE_TLS_KEY',
    default: '-',
    readers: SERVICES,
    meaning: 'PEM of the HTTPS private key.',
    secret: true,
  },
  {
    name: 'LETHE_TLS_KEY_FILE',
    default: '`$LETHE_HOME/tls/server.key`',
    readers: [...SERVICES, 'local stack'],
    meaning: 'The HTTPS private key as a file, when LETHE_TLS_KEY is not given.',
  },
  {
    name: 'LETHE_TLS_CA_FILE',
    default: "the system's CAs (the CLI: `$LETHE_HOME/tls/ca.crt`)",
    readers: [...EVERY_PROCESS, 'local stack'],
    meaning: 'The CA that Kafka, the registry, Redis, S3 and the other services are trusted by.',
  },
  {
    name: 'LETHE_AUTH_PUBLIC_KEYS',
    default: '`$LETHE_HOME/auth/public-keys`',
    readers: SERVICES,
    meaning:
      'Comma-separated base64 SPKI Ed25519 keys that bearer tokens are verified with (several during a rotation).',
  },
  {
    name: 'LETHE_AUTH_PORTAL_PUBLIC_KEYS',
    default: '`$LETHE_HOME/auth/portal-public-keys` when present, else none',
    readers: SERVICES,
    meaning:
      "The portal's token keys (base64 SPKI Ed25519, comma-separated): trusted for `service` and `subject` tokens only, never `operator` or `auditor`.",
  },
  {
    name: 'LETHE_AUTH_PRIVATE_KEY',
    default: '`$LETHE_HOME/auth/signing-key.json`',
    readers: ['cli'],
    meaning: 'The token signing key (base64 PKCS#8 DER) for `lethe token`.',
    secret: true,
  },
  {
    name: 'LETHE_AUTH_ISSUER',
    default: 'lethe',
    readers: [...SERVICES, 'cli'],
    meaning: "Tokens' `iss`; services refuse others.",
  },
  {
    name: 'LETHE_AUTH_REVOKED_JTIS',
    default: '-',
    readers: SERVICES,
    meaning: 'Comma-separated token ids (`jti`) refused before they expire.',
  },
  // Kafka.
  // Traces.
  {
    name: 'LETHE_OTLP_ENDPOINT',
    default: '- (no export)',
    readers: SERVICES,
    meaning:
      'An OpenTelemetry collector (OTLP/HTTP, e.g. `https://collector:4318`): every HTTP request served and record consumed is exported as a span to `/v1/traces`. Unset, trace context is still propagated and logged.',
  },
  {
    name: 'LETHE_OTLP_HEADERS',
    default: '-',
    readers: SERVICES,
    meaning: "Headers sent with each export, `name=value,...` (e.g. the collector's `authorization`).",
    secret: true,
  },
  {
    name: 'LETHE_KAFKA_BROKERS',
    default: '127.0.0.1:$LETHE_KAFKA_PORT',
    readers: [...EVERY_PROCESS, 'local stack'],
    meaning: 'Comma-separated bootstrap brokers.',
  },
  {
    name: 'LETHE_KAFKA_PORT',
    default: '9092',
    readers: [...EVERY_PROCESS, 'local stack'],
    meaning: "The local broker's SASL_SSL port (when LETHE_KAFKA_BROKERS is unset).",
  },
  {
    name: 'LETHE_KAFKA_SASL_USERNAME',
    default: '-',
    readers: [...EVERY_PROCESS, 'local stack'],
    meaning: "The process's SCRAM principal; with it TLS is on.",
  },
  {
    name: 'LETHE_KAFKA_SASL_PASSWORD',
    default: '-',
    readers: [...EVERY_PROCESS, 'local stack'],
    meaning: 'Its password.',
    secret: true,
  },
  {
    name: 'LETHE_KAFKA_SASL_MECHANISM',
    default: 'scram-sha-512',
    readers: [...EVERY_PROCESS, 'local stack'],
    meaning: 'plain, scram-sha-256 or scram-sha-512.',
  },
  {
    name: 'LETHE_KAFKA_TLS',
    default: 'on with SASL or a CA file',
    readers: EVERY_PROCESS,
    meaning: "`true`: TLS with the system's CAs; `false`: no TLS (never with SASL in production).",
  },
  {
    name: 'LETHE_TOPIC_PREFIX',
    default: '-',
    readers: [...EVERY_PROCESS],
    meaning:
      'Prepended (with a dot) to every topic and consumer group: an isolated copy of the system on one cluster.',
  },
  {
    name: 'LETHE_MANAGE_TOPICS',
    default: 'true',
    readers: EVERY_PROCESS,
    meaning:
      '`true`: services create and reconcile the topics they need at start. `false` (production): operators own every topic (`lethe topics plan` / `apply`); services only check theirs exist, and the ACLs grant them no create or alter.',
  },
  {
    name: 'LETHE_TOPIC_LAYOUT',
    default: 'local',
    readers: EVERY_PROCESS,
    meaning:
      '`local` (3 partitions, 1 replica) or `production` (6 partitions, 3 replicas, `min.insync.replicas=2`).',
  },
  {
    name: 'LETHE_TOPIC_PARTITIONS',
    default: 'from the layout',
    readers: EVERY_PROCESS,
    meaning: 'Partitions of subject-keyed topics.',
  },
  {
    name: 'LETHE_TOPIC_REPLICATION_FACTOR',
    default: 'from the layout',
    readers: EVERY_PROCESS,
    meaning: 'Replicas of every topic.',
  },
  {
    name: 'LETHE_KAFKA_PARTICIPANTS',
    default: '-',
    readers: ['cli'],
    meaning:
      'External erasure participants, `id=principal,...`: their task topics and ACLs (`lethe topics apply`).',
  },
  {
    name: 'LETHE_KAFKA_INGEST_WRITERS',
    default: '-',
    readers: ['cli'],
    meaning: 'Principals of the services that emit account events on the ingest topic (ACLs).',
  },
  {
    name: 'LETHE_COMPACTED_TOPICS',
    default: '-',
    readers: ['erasure', 'cli'],
    meaning:
      'Compacted, subject-keyed topics of other services that erasure tombstones (the `kafka-compacted` participant).',
  },
  // Registry and stores.
  {
    name: 'LETHE_REGISTRY_URL',
    default: 'https://127.0.0.1:$LETHE_REGISTRY_PORT/apis/ccompat/v7',
    readers: [...SERVICES, 'cli', 'local stack'],
    meaning:
      'The Confluent-compatible schema registry, with credentials in the URL (`https://user:password@host/...`).',
    secret: true,
  },
  {
    name: 'LETHE_REGISTRY_PORT',
    default: '8081',
    readers: [...SERVICES, 'cli', 'local stack'],
    meaning: "The local registry's port.",
  },
  {
    name: 'LETHE_MONGO_URL',
    default: 'mongodb://127.0.0.1:$LETHE_MONGO_PORT/',
    readers: [...SERVICES, 'cli', 'local stack'],
    meaning: 'The MongoDB-wire server, with credentials and `tls=true` in the URL.',
    secret: true,
  },
  {
    name: 'LETHE_MONGO_PORT',
    default: '27017',
    readers: [...SERVICES, 'local stack'],
    meaning: "The local document store's port.",
  },
  {
    name: 'LETHE_MONGO_DATABASE',
    default: 'lethe',
    readers: [...SERVICES, 'cli'],
    meaning: 'The database the services keep their collections in.',
  },
  {
    name: 'LETHE_REDIS_URL',
    default: 'redis://127.0.0.1:$LETHE_REDIS_PORT',
    readers: [...SERVICES, 'cli', 'local stack'],
    meaning: 'Redis (`rediss://user:password@host:port` for TLS).',
    secret: true,
  },
  {
    name: 'LETHE_REDIS_PORT',
    default: '6379',
    readers: [...SERVICES, 'cli', 'local stack'],
    meaning: "The local Redis's port.",
  },
  // Keys.
  {
    name: 'LETHE_KEK_PROVIDER',
    default: 'local',
    readers: [...SEALING_SERVICES, 'cli'],
    meaning: '`local` (LETHE_KEK) or `aws-kms` (LETHE_KMS_*): what wraps the per-subject keys.',
  },
  {
    name: 'LETHE_KEK',
    default: '`$LETHE_HOME/secrets/kek`',
    readers: [...SEALING_SERVICES, 'cli'],
    meaning: 'The local key-encryption key: base64 of 32 bytes.',
    secret: true,
  },
  {
    name: 'LETHE_KEK_PREVIOUS',
    default: '`$LETHE_HOME/secrets/kek.previous`',
    readers: [...SEALING_SERVICES, 'cli'],
    meaning: 'KEKs being rotated out (comma-separated): they unwrap until `lethe keys rotate-kek` has run.',
    secret: true,
  },
  {
    name: 'LETHE_KMS_KEY_ID',
    default: '-',
    readers: [...SERVICES, 'cli'],
    meaning: 'The KMS key (id or ARN) with `aws-kms`.',
  },
  {
    name: 'LETHE_KMS_REGION',
    default: 'AWS_REGION',
    readers: [...SERVICES, 'cli'],
    meaning: "The KMS key's region.",
  },
  {
    name: 'LETHE_KMS_ENDPOINT',
    default: "AWS's",
    readers: [...SERVICES, 'cli'],
    meaning: 'A KMS-compatible endpoint other than AWS.',
  },
  {
    name: 'LETHE_LEGACY_SEALING_UNTIL',
    default: '`2026-12-08T00:00:00Z`',
    readers: ['account', 'erasure'],
    meaning:
      'Until when values sealed in the pre-HPKE format (version 1) still open: ingest fields, and exports for access requests made before it. After it they are refused (CRYPTO_FORMAT_RETIRED, a dead letter with the cause).',
  },
  {
    name: 'LETHE_ACCOUNT_INGEST_PRIVATE_KEY',
    default: '`$LETHE_HOME/secrets/ingest-key.json`',
    readers: ['account'],
    meaning: 'The X25519 key that opens personal fields sealed on the ingest topic.',
    secret: true,
  },
  {
    name: 'LETHE_ACCOUNT_INGEST_PUBLIC_KEY',
    default: '-',
    readers: ['participants'],
    meaning: 'Its public half, for services that emit account events (`lethe ingest-key public`).',
  },
  {
    name: 'LETHE_TASK_SIGNING_KEY',
    default: '`$LETHE_HOME/secrets/task-signing-key.json`',
    readers: ['erasure'],
    meaning: 'The Ed25519 key (base64 PKCS#8 DER) every erasure task is signed with.',
    secret: true,
  },
  {
    name: 'LETHE_TASK_PUBLIC_KEYS',
    default: '`$LETHE_HOME/auth/task-public-keys`',
    readers: [...SERVICES, 'cli', 'participants', 'local stack'],
    meaning:
      'Its public halves (comma-separated, several during a rotation): participants refuse a task without a valid signature.',
  },
  {
    name: 'LETHE_AUDIT_SIGNING_KEY',
    default: '`$LETHE_HOME/secrets/audit-key.json`',
    readers: ['audit'],
    meaning: "The Ed25519 key the ledger's checkpoints are signed with.",
    secret: true,
  },
  {
    name: 'LETHE_AUDIT_PUBLIC_KEY',
    default: 'from `$LETHE_HOME/secrets/audit-key.json`',
    readers: ['cli'],
    meaning: 'Its public half, for `lethe audit verify`.',
  },
  {
    name: 'LETHE_AUDIT_CHECKPOINT_EVERY',
    default: '100',
    readers: ['audit'],
    meaning: 'A signed checkpoint after this many ledger entries.',
  },
  {
    name: 'LETHE_AUDIT_CHECKPOINT_IDLE_MS',
    default: '5000',
    readers: ['audit'],
    meaning: 'A checkpoint once the ledger writer has been quiet this long (0: off).',
  },
  {
    name: 'LETHE_AUDIT_DEDUPE_WINDOW',
    default: '100000',
    readers: ['audit'],
    meaning:
      "How many of the latest ledgered event ids the writer recognises a second copy by (an outbox's re-publish after a restart gets no entry of its own); an older copy gets one, which the verifier counts once. Bounds the writer's memory.",
  },
  // Policy.
  {
    name: 'LETHE_RETENTION_POLICY_FILE',
    default: '`services/retention/policies/seed-policy.v1.json`',
    readers: ['retention'],
    meaning: 'The retention policy: clocks, categories, legal bases.',
  },
  {
    name: 'LETHE_CONSENT_PURPOSES_FILE',
    default: '`services/consent/purposes.json`',
    readers: ['consent'],
    meaning: 'The consent purposes a subject can grant.',
  },
  {
    name: 'LETHE_CONSENT_POLICY_VERSION',
    default: 'seed-policy',
    readers: ['consent'],
    meaning: 'The policy version consent proofs cite.',
  },
  {
    name: 'LETHE_LLM_CONSENT_PURPOSE',
    default: 'llm-processing',
    readers: ['erasure'],
    meaning: 'The consent purpose a disclosure to an LLM provider needs.',
  },
  {
    name: 'LETHE_OBJECT_BUCKETS',
    default: '-',
    readers: ['erasure', 'cli', 'local stack'],
    meaning: 'S3 buckets whose `subjects/<subjectId>/` objects erasure deletes (all versions).',
  },
  {
    name: 'LETHE_S3_ENDPOINT',
    default: "AWS's",
    readers: ['erasure', 'cli', 'participants', 'local stack'],
    meaning: 'An S3-compatible endpoint.',
  },
  {
    name: 'LETHE_S3_ACCESS_KEY_ID',
    default: "the AWS SDK's chain",
    readers: ['erasure', 'cli', 'participants', 'local stack'],
    meaning: 'The S3 access key id.',
  },
  {
    name: 'LETHE_S3_SECRET_ACCESS_KEY',
    default: "the AWS SDK's chain",
    readers: ['erasure', 'cli', 'participants', 'local stack'],
    meaning: 'Its secret.',
    secret: true,
  },
  {
    name: 'LETHE_S3_REGION',
    default: 'us-east-1',
    readers: ['erasure', 'cli', 'participants'],
    meaning: "The buckets' region.",
  },
  // Time.
  {
    name: 'LETHE_CLOCK',
    default: 'system',
    readers: SERVICES,
    meaning:
      '`shared-offset`: the services read an offset from Redis that `lethe clock advance` moves (demos and tests only).',
  },
  {
    name: 'LETHE_CLOCK_OFFSET_KEY',
    default: 'lethe:clock:offset-ms',
    readers: [...SERVICES, 'cli'],
    meaning: 'The Redis key of that offset.',
  },
  // The local stack (deploy/local) and the tests.
  {
    name: 'LETHE_KAFKA_NODES',
    default: '1',
    readers: ['local stack'],
    meaning:
      'Kafka nodes of the local stack: 1, or 3 (`./lethe up --brokers 3` sets it: a KRaft cluster on the ports 9092/9094/9096, controllers 9093/9095/9097, with the production topic layout). Kept with the data.',
  },
  {
    name: 'LETHE_KAFKA_CONTROLLER_PORT',
    default: '9093',
    readers: ['local stack'],
    meaning: "The local KRaft controller's port.",
  },
  {
    name: 'LETHE_REGISTRY_MANAGEMENT_PORT',
    default: '9001',
    readers: ['local stack'],
    meaning: "The local registry's health port.",
  },
  {
    name: 'LETHE_OBJECTS_PORT',
    default: '7070',
    readers: ['local stack'],
    meaning: "The local S3 server's port.",
  },
  {
    name: 'LETHE_KAFKA_JAVA_HOME',
    default: 'JAVA_HOME, PATH, /usr/lib/jvm',
    readers: ['local stack'],
    meaning: 'A JDK 17+ for Kafka.',
  },
  {
    name: 'LETHE_REGISTRY_JAVA_HOME',
    default: 'JAVA_HOME, PATH, /usr/lib/jvm',
    readers: ['local stack'],
    meaning: 'A JDK 21+ for the registry.',
  },
  {
    name: 'LETHE_JAVA_OPTS',
    default: '-',
    readers: ['local stack'],
    meaning:
      'Extra options for every JVM of the local stack (Kafka, its tools, the registry), after its own: `-XX:TieredStopAtLevel=1` boots a throwaway stack on about half the CPU; `-Xmx256m` fits a small machine.',
  },
  {
    name: 'LETHE_OPT_DIR',
    default: '`$LETHE_HOME/opt`',
    readers: ['local stack'],
    meaning: 'Where the local servers are installed (kept by `reset`).',
  },
  {
    name: 'LETHE_STACK_TIMEOUT',
    default: '180',
    readers: ['local stack'],
    meaning: 'Seconds to wait for each local server or service to answer.',
  },
  {
    name: 'LETHE_RUN_FROM',
    default: 'source',
    readers: ['local stack'],
    meaning:
      'How `up` runs the services: `source` (through tsx) or `dist` (compiled, as the image runs them; `pnpm build` first).',
  },
  {
    name: 'LETHE_HOST',
    default: '127.0.0.1',
    readers: ['local stack'],
    meaning: 'The loopback address every local server listens on (fixed).',
  },
  {
    name: 'LETHE_TLS_DIR',
    default: '`$LETHE_HOME/tls`',
    readers: ['local stack'],
    meaning: "The local CA's and certificates' directory.",
  },
  {
    name: 'LETHE_PROBE_CA',
    default: '-',
    readers: ['local stack'],
    meaning: 'The CA the readiness probe of `./lethe up` trusts (set by the scripts).',
  },
  {
    name: 'LETHE_PRINCIPAL',
    default: '-',
    readers: ['local stack', 'tests'],
    meaning: 'The local principal `./lethe env --as` printed settings for.',
  },
  {
    name: 'LETHE_CHROMIUM',
    default: 'chromium on PATH',
    readers: ['tests'],
    meaning: "A headless Chromium for the audit report's test.",
  },
];

/** The configuration reference, as docs/configuration.md holds it. */
export function renderConfigurationReference(
  variables: readonly ConfigVariable[] = CONFIG_VARIABLES,
): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const row = (v: ConfigVariable) =>
    `| \`${v.name}\` | ${cell(v.default)} | ${v.readers.join(', ')} | ${cell(v.meaning)}${v.secret ? ' **Secret.**' : ''} |`;
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from packages/service-kit/src/configuration-reference.ts by',
    '     `pnpm config-reference`; a test fails when it and the code disagree. -->',
    '',
    'Every Lethe process reads its settings from `LETHE_*` environment variables, and only at',
    'start. Readers: the five services, the `lethe` CLI, participants built with',
    '`@lethe/participant` or `@lethe/client`, the local stack (`deploy/local`), the tests.',
    'Variables marked **Secret** come from a secret store (a Kubernetes Secret), never from a',
    'ConfigMap or an image; the local stack keeps them under `$LETHE_HOME/secrets`.',
    '',
    '| Variable | Default | Read by | Meaning |',
    '| --- | --- | --- | --- |',
    ...variables.map(row),
    '',
  ].join('\n');
}
