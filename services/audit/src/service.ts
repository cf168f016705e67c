import type { KeyObject } from 'node:crypto';
import { createHash, createPublicKey } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';

import type { EventCodec } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';
import { proveErasure } from '@lethe/audit-ledger';
import {
  buildServiceApp,
  type ServerTls,
  type TokenSettings,
  type ServiceOperations,
} from '@lethe/service-kit';

import { auditRoutes } from './http/routes';
import { startLedgerWriter, type LedgerWriter } from './ledger/writer';
import { storedReceipts } from './receipts/receipt-store';
import { createRequestTimelineIndexes, mongoRequestTimelines } from './timeline/request-timeline';

export { AUDIT_TIMELINE } from './timeline/request-timeline';

export interface AuditServiceDeps {
  db: Db;
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  publicKeys: readonly KeyObject[];
  /** Token issuer and revoked ids (config.tokens); `lethe` and none by default. */
  tokens?: TokenSettings;
  /** The HTTPS certificate and key (config.https); without, plain HTTP (app.inject() tests). */
  https?: ServerTls | undefined;
  /** /metrics and Kafka's readiness checks (main.ts makes them with serviceOperations). */
  operations?: ServiceOperations;
  /** Ed25519: signs the ledger's checkpoints. */
  signingKey: KeyObject;
  checkpointEvery?: number;
  /** A checkpoint after this long without new entries (default 5 s; 0: only every N entries). */
  checkpointIdleMs?: number;
  /** Latest event ids a second copy is recognised by (LETHE_AUDIT_DEDUPE_WINDOW). */
  dedupeWindow?: number;
  topicName?: (logical: string) => string;
  now?: () => Date;
}

export interface AuditService {
  app: FastifyInstance;
  writer: LedgerWriter;
  stop(): Promise<void>;
}

/** The audit service: the ledger writer, and an index of each erasure request's timeline. */
export async function startAuditService(deps: AuditServiceDeps): Promise<AuditService> {
  await createRequestTimelineIndexes(deps.db);
  const timelines = mongoRequestTimelines(deps.db);
  // Names the verification key, so a verifier knows which public key a checkpoint needs.
  const keyId = createHash('sha256')
    .update(createPublicKey(deps.signingKey).export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
  const writer = await startLedgerWriter({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: deps.logger,
    signingKey: deps.signingKey,
    keyId: `ed25519:${keyId}`,
    checkpointEvery: deps.checkpointEvery ?? 100,
    checkpointIdleMs: deps.checkpointIdleMs ?? 5_000,
    ...(deps.dedupeWindow ? { dedupeWindow: deps.dedupeWindow } : {}),
    ...(deps.topicName ? { topicName: deps.topicName } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    onEntry: (entry, event) => timelines.record(entry, event),
  });

  const app = buildServiceApp({
    name: 'audit',
    version: '0.1.0',
    logger: deps.logger,
    publicKeys: deps.publicKeys,
    ...(deps.tokens ? { tokens: deps.tokens } : {}),
    ...(deps.https ? { https: deps.https } : {}),
    ...(deps.operations ? { operations: deps.operations } : {}),
    readiness: {
      mongo: async () => (await deps.db.command({ ping: 1 })).ok === 1,
      ledgerWriter: async () => !writer.fenced(),
    },
  });
  const receipts = storedReceipts(deps.db, (requestId) =>
    proveErasure({
      kafka: deps.kafka,
      codec: deps.codec,
      requestId,
      ...(deps.topicName ? { topicName: deps.topicName } : {}),
    }),
  );
  await app.register(async (scope) => auditRoutes(scope, { timelines, receipts }));

  return {
    app,
    writer,
    async stop() {
      await writer.stop();
      await app.close();
    },
  };
}
