// The `lethe` command. Each subcommand is a small function over the packages' ports.
import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import { formatAclMatrix, letheAclMatrix } from '@lethe/kafka';

import { auditCheckReceipt, auditProve, auditVerify } from './audit';
import { auditCheckConsistency, auditHead, auditProveConsistency } from './audit-consistency';
import { bucketsInit } from './buckets';
import {
  auditKeyInit,
  authInit,
  ingestKeyInit,
  ingestPublicKey,
  kekInit,
  mintToken,
  taskKeyInit,
} from './auth';
import { clockCommand } from './clock';
import { dlqCommand } from './dlq';
import { loadCliConfig, type CliConfig } from './config';
import { kekRotate, keysRotateKek } from './kek';
import { asyncApiYaml } from './asyncapi';
import { k8sCommand } from './k8s';
import { keysReconcile } from './keys';
import { deploymentTopics, formatTopicSpecs, topicsApply, topicsPlan } from './topics';

const USAGE = `usage: lethe <command>
  topics plan        what apply would change on the cluster (exit 3 when something would)
  topics apply       create or reconcile every topic (the design's, each participant's task
                     topic, a dead-letter topic for each), and apply the ACLs
  topics list        print the topic specs: partitions, replicas, configs, purpose
                     (LETHE_TOPIC_LAYOUT=local|production shapes all three)
  dlq list [--all]   dead-letter topics holding records: how many, the oldest, the causes
  dlq show TOPIC [--offset N] [--limit N]
                     dead letters as JSON lines: key, size, headers and cause (never a value)
  dlq replay TOPIC [--from N] [--to N] [--cause PREFIX]
                     send them back to their source topic (idempotent; resumes where it stopped)
  dlq purge TOPIC [--yes]
                     delete every record on a dead-letter topic (asks to type its name)
  asyncapi           print the Kafka contract as AsyncAPI 3 (docs/asyncapi.yaml is its output)
  k8s strimzi [--layout local|production] [--cluster NAME]
                     print Strimzi KafkaTopic and KafkaUser resources from the same specs and
                     ACL matrix (deploy/k8s/overlays/*/strimzi.yaml are its output)
  kafka acls         print the ACL matrix: who may read and write which topic and group, and why
  schemas register   register every event schema with the registry (idempotent)
  buckets init       create the versioned S3 buckets in LETHE_OBJECT_BUCKETS, if missing
  auth init          make the local token signing key, if there is none
  kek init           make the local key-encryption key, if there is none
  ingest-key init    make the account service's X25519 sealing key, if there is none
  ingest-key public  print its public half (LETHE_ACCOUNT_INGEST_PUBLIC_KEY for emitters)
  audit-key init     make the audit service's checkpoint signing key, if there is none
  task-key init      make the erasure service's task-signing key, if there is none
  audit verify [--json FILE] [--html FILE] [--public-key B64] [--key-vault MONGO_URL]
                     replay the ledger and every topic from offset 0; exit 0 only if all holds
  audit prove REQUEST_ID [--out FILE]
                     the receipt of a completed erasure: certificate, ledger entry, inclusion
                     proof (RFC 9162) and the signed tree head, checkable offline
  audit check-receipt FILE [--public-key B64]
                     check a receipt with the audit public key alone; exit 0 only if it proves
  audit head [--out FILE]
                     the newest signed tree head of the ledger, for an auditor to keep
  audit prove-consistency KEPT_FILE [--out FILE]
                     a consistency proof (RFC 9162) from a kept head (or a receipt's) to the newest
  audit check-consistency FILE [--public-key B64]
                     check it offline; exit 0 only if the ledger only grew between the two heads
  keys reconcile     shred again every key the erasure log says was shredded (after a restore)
  keys rotate-kek    rewrap every subject key under LETHE_KEK (old KEKs in LETHE_KEK_PREVIOUS)
  kek rotate         local stack: a new KEK, the old one kept as previous (then keys rotate-kek)
  clock advance 400d | clock show | clock reset
                     move the shared clock (services started with LETHE_CLOCK=shared-offset)
  token --scope S [--scope S] [--subject ID] [--ttl SECONDS] [--name NAME]
                     print a bearer token (scopes: service, operator, auditor, subject)`;

async function schemasRegister(config: CliConfig) {
  const codec = createEventCodec({
    registry: createSchemaRegistry(config.registryUrl, { caFile: config.tlsCaFile }),
    catalog: loadCatalog(),
  });
  const registered = await codec.registerAll();
  console.log(
    `schemas: ${registered.length} registered (ids ${Math.min(...registered.map((r) => r.schemaId))}..${Math.max(...registered.map((r) => r.schemaId))})`,
  );
}

async function main(argv: string[]): Promise<number> {
  const config = loadCliConfig();
  if (argv[0] === 'clock') {
    console.log(await clockCommand(config, argv.slice(1)));
    return 0;
  }
  if (argv[0] === 'dlq') return dlqCommand(config, argv.slice(1));
  if (argv[0] === 'k8s') return k8sCommand(config.acls, argv.slice(1));
  if (argv[0] === 'asyncapi') {
    process.stdout.write(asyncApiYaml());
    return 0;
  }
  if (argv[0] === 'token') {
    console.log(mintToken(config, argv.slice(1)));
    return 0;
  }
  const command = argv.slice(0, 2).join(' ');
  switch (command) {
    case 'auth init':
      authInit(config);
      return 0;
    case 'kek init':
      kekInit(config);
      return 0;
    case 'task-key init':
      taskKeyInit(config);
      return 0;
    case 'audit-key init':
      auditKeyInit(config);
      return 0;
    case 'audit verify':
      return auditVerify(config, argv.slice(2));
    case 'audit prove':
      return auditProve(config, argv.slice(2));
    case 'audit check-receipt':
      return auditCheckReceipt(config, argv.slice(2));
    case 'audit head':
      return auditHead(config, argv.slice(2));
    case 'audit prove-consistency':
      return auditProveConsistency(config, argv.slice(2));
    case 'audit check-consistency':
      return auditCheckConsistency(config, argv.slice(2));
    case 'keys reconcile':
      return keysReconcile(config);
    case 'keys rotate-kek':
      return keysRotateKek(config);
    case 'kek rotate':
      kekRotate(config);
      return 0;
    case 'ingest-key init':
      ingestKeyInit(config);
      return 0;
    case 'ingest-key public':
      console.log(ingestPublicKey(config));
      return 0;
    case 'topics apply':
      return topicsApply(config);
    case 'topics plan':
      return topicsPlan(config);
    case 'topics list':
      console.log(formatTopicSpecs(deploymentTopics(config)));
      return 0;
    case 'kafka acls':
      console.log(formatAclMatrix(letheAclMatrix(config.acls)));
      return 0;
    case 'schemas register':
      await schemasRegister(config);
      return 0;
    case 'buckets init':
      return bucketsInit(config.s3Env);
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`lethe: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
