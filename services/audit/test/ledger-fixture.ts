// What the audit tests share: a scope with the audited topics and the ledger, a stream of
// events to ledger, and the verifier pointed at that scope.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { AUDITED_TOPICS, LEDGER_TOPIC, verifyLedger, type VerifyReport } from '@lethe/audit-ledger';
import { makeEvent, type LetheEvent } from '@lethe/events';
import { generateSigningKeys, privateKeyFrom, publicKeyFrom } from '@lethe/service-kit';
import { openTestScope, testLogger, type TestScope } from '@lethe/test-harness';

import { startAuditService, type AuditService, type AuditServiceDeps } from '../src/service';

/** The audited topics (3 partitions, or `partitions`) and the one-partition ledger. */
export function openLedgerScope(name: string, partitions = 3): Promise<TestScope> {
  return openTestScope(name, {
    topics: [...AUDITED_TOPICS, LEDGER_TOPIC],
    partitions,
    partitionsOf: { [LEDGER_TOPIC]: 1 },
  });
}

const AUDIT_MAIN = path.resolve(__dirname, '..', 'src', 'main.ts');

/** An audit service process on the scope, signing with `ledgerKeys`; `env` adds or overrides. */
export function spawnAuditService(
  scope: TestScope,
  {
    port,
    ledgerKeys,
    env = {},
  }: { port: number; ledgerKeys: { privateKey: string }; env?: NodeJS.ProcessEnv },
): ChildProcess {
  return scope.spawn(AUDIT_MAIN, {
    LETHE_KEK: randomBytes(32).toString('base64'),
    LETHE_AUTH_PUBLIC_KEYS: generateSigningKeys().publicKey,
    LETHE_AUDIT_SIGNING_KEY: ledgerKeys.privateKey,
    LETHE_AUDIT_PORT: String(port),
    ...env,
  });
}

/** An audit service in this process on the scope, signing with `ledgerKeys`, trusting no tokens. */
export function startScopeAudit(
  scope: TestScope,
  ledgerKeys: { privateKey: string },
  writer: Pick<AuditServiceDeps, 'checkpointEvery' | 'checkpointIdleMs' | 'dedupeWindow'>,
): Promise<AuditService> {
  return startAuditService({
    db: scope.db,
    kafka: scope.kafka,
    codec: scope.codec,
    logger: testLogger(),
    publicKeys: [],
    signingKey: privateKeyFrom(ledgerKeys.privateKey),
    topicName: scope.topicName,
    ...writer,
  });
}

/** The key pair a test's ledger writer signs checkpoints with. */
export const testLedgerKeys = () => generateSigningKeys();

/** `count` activity events numbered from `from`, spread over 97 subjects. */
export function activityEvents(from: number, count: number): { event: LetheEvent }[] {
  return Array.from({ length: count }, (_, i) => ({
    event: makeEvent(
      'AccountActivityRecorded',
      { subjectId: `sub_${(from + i) % 97}`, correlationId: 'c', producer: 'test', occurredAt: Date.now() },
      { day: '2026-11-27', channel: `n${from + i}` },
    ),
  }));
}

/** How many entries (checkpoints included) the scope's ledger holds. */
export async function ledgerEntries(scope: TestScope): Promise<number> {
  let count = 0;
  await scope.kafka.readTopic(scope.topicName(LEDGER_TOPIC), async () => void (count += 1), {
    transactional: true,
  });
  return count;
}

/** Verifies the scope's ledger from offset 0 against the writer's public key. */
export function verifyScope(
  scope: TestScope,
  publicKeyPem: string,
  overrides: { topicName?: (logical: string) => string; now?: Date } = {},
): Promise<VerifyReport> {
  const { kafka, codec, topicName } = scope;
  return verifyLedger({ kafka, codec, publicKey: publicKeyFrom(publicKeyPem), topicName, ...overrides });
}
