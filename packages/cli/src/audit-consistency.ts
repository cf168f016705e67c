import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import {
  checkConsistency,
  latestTreeHead,
  proveConsistency,
  type ConsistencyProof,
  type SignedTreeHead,
} from '@lethe/audit-ledger';
import { publicKeyFrom } from '@lethe/service-kit';

import { auditPublicKey, withLedger, writeJson } from './audit';
import type { CliConfig } from './config';

// `lethe audit head`, `prove-consistency` and `check-consistency`: an auditor keeps a signed tree
// head (or a receipt, which carries one) and later checks, offline, that the ledger only grew.

/** `lethe audit head [--out FILE]`: the newest signed tree head, to keep. */
export async function auditHead(config: CliConfig, argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
  const head = await withLedger(config, 'lethe-audit-consistency', latestTreeHead);
  if (!head) {
    console.error('no signed tree head on the ledger yet');
    return 1;
  }
  writeJson(head, values.out);
  return 0;
}

/** A tree head from a file holding one: a head itself, a receipt, or an earlier proof (its `to`). */
function keptHead(file: string): SignedTreeHead {
  const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const head = (kept.treeHead ??
    (kept.format === 'lethe.consistency-proof.v1' ? kept.to : kept)) as SignedTreeHead;
  if (
    typeof head.size !== 'number' ||
    typeof head.rootHash !== 'string' ||
    typeof head.signature !== 'string'
  )
    throw new Error(
      `${file} holds no signed tree head (a head from lethe audit head, a receipt, or a proof)`,
    );
  return head;
}

/** `lethe audit prove-consistency KEPT_FILE [--out FILE]`: from a kept head to the newest one. */
export async function auditProveConsistency(config: CliConfig, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' } },
  });
  if (!positionals[0]) {
    console.error('usage: lethe audit prove-consistency KEPT_HEAD_OR_RECEIPT [--out FILE]');
    return 2;
  }
  const from = keptHead(positionals[0]);
  const proof = await withLedger(config, 'lethe-audit-consistency', (deps) =>
    proveConsistency({ ...deps, from }),
  );
  if (!proof) {
    console.error(`no proof: the ledger has no signed tree head of ${from.size} entries or more`);
    return 1;
  }
  writeJson(proof, values.out);
  return 0;
}

/** `lethe audit check-consistency FILE [--public-key B64]`: offline, with the public key alone. */
export function auditCheckConsistency(config: CliConfig, argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'public-key': { type: 'string' } },
  });
  if (!positionals[0]) {
    console.error('usage: lethe audit check-consistency FILE [--public-key B64]');
    return 2;
  }
  const proof = JSON.parse(readFileSync(positionals[0], 'utf8')) as ConsistencyProof;
  const problems = checkConsistency(proof, publicKeyFrom(auditPublicKey(config, values['public-key'])));
  if (problems.length === 0) {
    console.log(
      `PASS: the ledger of ${proof.to.size} entries (root ${proof.to.rootHash}) extends the one of ` +
        `${proof.from.size} entries (root ${proof.from.rootHash}): nothing before it was changed or removed`,
    );
    return 0;
  }
  console.log(`FAIL: ${problems.join('; ')}`);
  return 1;
}
