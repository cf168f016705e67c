import type { KeyObject } from 'node:crypto';
import { createHash, createPublicKey } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';

import type { EventCodec, LetheEvent } from '@lethe/events';
import { isDuplicateKey } from '@lethe/eventstore';
import type { KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';
import { buildServiceApp, ProblemError } from '@lethe/service-kit';

import type { ChainEntry } from '@lethe/audit-ledger';
import { startLedgerWriter, type LedgerWriter } from './ledger/writer';

export const AUDIT_TIMELINE = 'audit_erasure_timeline';

export interface AuditServiceDeps {
  db: Db;
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  publicKeys: readonly KeyObject[];
  /** Ed25519: signs the ledger's checkpoints. */
  signingKey: KeyObject;
  checkpointEvery?: number;
  /** A checkpoint after this long without new entries (default 5 s; 0: only every N entries). */
  checkpointIdleMs?: number;
  topicName?: (logical: string) => string;
  now?: () => Date;
}

export interface AuditService {
  app: FastifyInstance;
  writer: LedgerWriter;
  stop(): Promise<void>;
}

interface TimelineDocument {
  _id: string; // the event id: an entry written twice (a retried batch) is stored once
  requestId: string;
  type: string;
  occurredAt: Date;
  seq: number;
  summary: string;
}

function summaryOf(event: LetheEvent): string {
  const data = event.data as unknown as Record<string, unknown>;
  const parts = [
    'participantId',
    'attempt',
    'outcome',
    'verifiedEmpty',
    'code',
    'result',
    'reason',
    'regulation',
  ]
    .filter((field) => data[field] !== undefined && data[field] !== null)
    .map((field) => `${field}=${String(data[field])}`);
  return parts.join(' ');
}

/** The audit service: the ledger writer, and an index of each erasure request's timeline. */
export async function startAuditService(deps: AuditServiceDeps): Promise<AuditService> {
  const timeline = deps.db.collection<TimelineDocument>(AUDIT_TIMELINE);
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
    ...(deps.topicName ? { topicName: deps.topicName } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    onEntry: async (entry: ChainEntry, event) => {
      const requestId = (event?.data as { requestId?: unknown } | undefined)?.requestId;
      if (!event || typeof requestId !== 'string' || !event.envelope.type.startsWith('Erasure')) return;
      await timeline
        .insertOne({
          _id: event.envelope.eventId,
          requestId,
          type: event.envelope.type,
          occurredAt: new Date(event.envelope.occurredAt),
          seq: entry.seq,
          summary: summaryOf(event),
        })
        .catch((error: unknown) => {
          if (!isDuplicateKey(error)) throw error;
        });
    },
  });

  const app = buildServiceApp({
    name: 'audit',
    version: '0.1.0',
    logger: deps.logger,
    publicKeys: deps.publicKeys,
    readiness: {
      mongo: async () => (await deps.db.command({ ping: 1 })).ok === 1,
      ledgerWriter: async () => !writer.fenced(),
    },
  });
  app.get<{ Params: { requestId: string } }>(
    '/v1/erasure-requests/:requestId/timeline',
    {
      config: { access: { scopes: ['auditor', 'operator'] } },
      schema: {
        summary: "An erasure request's events in order, each with its ledger sequence number",
        params: {
          type: 'object',
          required: ['requestId'],
          properties: { requestId: { type: 'string', maxLength: 100 } },
        },
      },
    },
    async (request) => {
      const events = await timeline.find({ requestId: request.params.requestId }).toArray();
      if (events.length === 0)
        throw new ProblemError({
          status: 404,
          title: 'Not Found',
          code: 'AUDIT_REQUEST_UNKNOWN',
          detail: 'no such erasure request in the ledger',
        });
      return {
        requestId: request.params.requestId,
        events: events
          .sort((a, b) => a.seq - b.seq)
          .map((e) => ({
            seq: e.seq,
            type: e.type,
            occurredAt: e.occurredAt.toISOString(),
            eventId: e._id,
            summary: e.summary,
          })),
      };
    },
  );

  return {
    app,
    writer,
    async stop() {
      await writer.stop();
      await app.close();
    },
  };
}
