import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { MongoClient } from 'mongodb';

import {
  checkReceipt,
  proveErasure,
  renderHtmlReport,
  verifyLedger,
  type ErasureReceipt,
} from '@lethe/audit-ledger';
import { createKeyVaultReader } from '@lethe/crypto';
import { createEventCodec, createSchemaRegistry, loadCatalog, type EventCodec } from '@lethe/events';
import { connectKafka, type KafkaClient } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';
import { publicKeyFrom, publicKeysFrom, topicNamer } from '@lethe/service-kit';

import type { CliConfig } from './config';

export function auditPublicKey(config: CliConfig, given: string | undefined): string {
  if (given) return given;
  if (config.auditPublicKey) return config.auditPublicKey;
  if (existsSync(config.auditKeyFile))
    return (JSON.parse(readFileSync(config.auditKeyFile, 'utf8')) as { publicKey: string }).publicKey;
  throw new Error(
    'no audit verification key: pass --public-key, set LETHE_AUDIT_PUBLIC_KEY, or run ./lethe up',
  );
}

/** The task keys to check signatures with; without any, the report says tasks went unchecked. */
function taskKeysOption(list: string | undefined): { taskPublicKeys?: KeyObject[] } {
  if (!list) {
    console.warn('verify: no task public keys (LETHE_TASK_PUBLIC_KEYS): task signatures are not checked');
    return {};
  }
  return {
    taskPublicKeys: publicKeysFrom(list),
  };
}

/**
 * `lethe audit verify [--json FILE] [--html FILE] [--public-key B64] [--key-vault MONGO_URL]
 * [--task-public-keys B64,...]`: replays the ledger and every audited topic from offset 0 and
 * prints what holds and what does not; every task's signature is checked against the task keys
 * (LETHE_TASK_PUBLIC_KEYS, or the local file). Exit code 0 only when everything holds.
 */
export async function auditVerify(config: CliConfig, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'string' },
      html: { type: 'string' },
      'public-key': { type: 'string' },
      'key-vault': { type: 'string' },
      'task-public-keys': { type: 'string' },
      database: { type: 'string', default: config.mongoDatabase },
    },
  });
  const logger = createLogger({ name: 'lethe-audit', level: 'warn' });
  const kafka = await connectKafka({ ...config.kafka, clientId: 'lethe-audit-verify' }, logger);
  const mongo = values['key-vault'] ? await MongoClient.connect(values['key-vault']) : undefined;
  try {
    const report = await verifyLedger({
      kafka,
      codec: createEventCodec({
        registry: createSchemaRegistry(config.registryUrl, { caFile: config.tlsCaFile }),
        catalog: loadCatalog(),
      }),
      publicKey: publicKeyFrom(auditPublicKey(config, values['public-key'])),
      topicName: topicNamer(config.topicPrefix),
      ...(mongo ? { keyVault: createKeyVaultReader(mongo.db(values.database)) } : {}),
      ...taskKeysOption(values['task-public-keys'] ?? config.taskPublicKeys),
      onProgress: (records) => process.stderr.write(`verify: ${records} records replayed\n`),
    });
    if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
    if (values.html) writeFileSync(values.html, renderHtmlReport(report));
    const count = (status: string) => report.requests.filter((r) => r.status === status).length;
    console.log(
      `${report.ok ? 'PASS' : 'FAIL'}: ${report.ledger.entries} ledger entries (last seq ${report.ledger.lastSeq}), ` +
        `${report.ledger.checkpoints} signed checkpoints, ${report.records} records replayed; ` +
        `${report.requests.length} erasure requests (${count('completed')} completed, ${count('open')} open, ` +
        `${count('blocked')} blocked by holds, ${count('overdue')} overdue)` +
        (report.erasedSubjectsChecked === null
          ? ''
          : `; ${report.erasedSubjectsChecked} erased subjects have no key left`),
    );
    const reads = report.reads.reduce((sum, subject) => sum + subject.reads.length, 0);
    console.log(
      `reads of personal data: ${reads} recorded, of ${report.reads.length} subjects (--json lists them)`,
    );
    for (const problem of report.problems.slice(0, 50))
      console.log(`  ${problem.kind} at ${problem.position}: ${problem.detail}`);
    if (report.problems.length > 50)
      console.log(`  ... and ${report.problems.length - 50} more (see --json)`);
    return report.ok ? 0 : 1;
  } finally {
    await mongo?.close();
    await kafka.close();
  }
}

/**
 * `lethe audit prove <requestId> [--out FILE]`: the receipt of a completed erasure (its
 * certificate, ledger entry, inclusion proof and signed tree head), for anyone to check offline.
 */
export async function auditProve(config: CliConfig, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' } },
  });
  const requestId = positionals[0];
  if (!requestId) {
    console.error('usage: lethe audit prove <requestId> [--out FILE]');
    return 2;
  }
  const receipt = await withLedger(config, 'lethe-audit-prove', (deps) =>
    proveErasure({ ...deps, requestId }),
  );
  if (!receipt) {
    console.error(
      `no receipt for ${requestId}: it has not completed, or no signed tree head covers its completion yet`,
    );
    return 1;
  }
  writeJson(receipt, values.out);
  return 0;
}

/** Runs `use` with a connection to the broker and the registry, on the configured topics. */
export async function withLedger<T>(
  config: CliConfig,
  clientId: string,
  use: (deps: {
    kafka: KafkaClient;
    codec: EventCodec;
    topicName: (logical: string) => string;
  }) => Promise<T>,
): Promise<T> {
  const logger = createLogger({ name: 'lethe-audit', level: 'warn' });
  const kafka = await connectKafka({ ...config.kafka, clientId }, logger);
  try {
    const codec = createEventCodec({
      registry: createSchemaRegistry(config.registryUrl, { caFile: config.tlsCaFile }),
      catalog: loadCatalog(),
    });
    return await use({ kafka, codec, topicName: topicNamer(config.topicPrefix) });
  } finally {
    await kafka.close();
  }
}

/** Pretty JSON to `file`, or to stdout without one. */
export function writeJson(value: unknown, file: string | undefined): void {
  const json = JSON.stringify(value, null, 2) + '\n';
  if (file) writeFileSync(file, json);
  else process.stdout.write(json);
}

/** `lethe audit check-receipt FILE [--public-key B64]`: offline, with the audit public key alone. */
export function auditCheckReceipt(config: CliConfig, argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'public-key': { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) {
    console.error('usage: lethe audit check-receipt FILE [--public-key B64]');
    return 2;
  }
  const receipt = JSON.parse(readFileSync(file, 'utf8')) as ErasureReceipt;
  const problems = checkReceipt(receipt, publicKeyFrom(auditPublicKey(config, values['public-key'])));
  if (problems.length === 0) {
    console.log(
      `PASS: erasure ${receipt.requestId} completed (certificate ${receipt.certificate.digest}); ` +
        `ledger entry ${receipt.entry.seq} is in the signed tree of ${receipt.treeHead.size} entries (root ${receipt.treeHead.rootHash})`,
    );
    return 0;
  }
  console.log(`FAIL: ${problems.join('; ')}`);
  return 1;
}
