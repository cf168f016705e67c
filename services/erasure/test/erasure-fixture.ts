// What the erasure tests share: the topics the service reads and writes, test participants,
// the service itself on a scope, and the questions asked of a request.
import { randomBytes } from 'node:crypto';

import type { FastifyInstance } from 'fastify';

import { localKek } from '@lethe/crypto';
import { isEventOfType } from '@lethe/events';
import {
  joinErasureProtocol,
  type ErasureTask,
  type Participant,
  type ParticipantDeclaration,
  type TaskResult,
} from '@lethe/participant';
import { generateSigningKeys, publicKeyFrom, type ServiceOperations } from '@lethe/service-kit';
import {
  bearer,
  eventually,
  readAllEvents,
  testLogger,
  type TestScope,
  participantBasics,
  testTaskKeys,
} from '@lethe/test-harness';

import { startErasureService, type ErasureService } from '../src/service';

export const ERASURE_TOPICS = [
  'lethe.account.events.v1',
  'lethe.erasure.events.v1',
  'lethe.erasure.answers.v1',
  'lethe.erasure.participants.v1',
  'lethe.retention.events.v1',
  // Read for LLM consent, written with a disclosure made without it.
  'lethe.consent.events.v1',
  'lethe.access.events.v1',
];

/** Signing keys and an operator's bearer header for a test's erasure service. */
export function operatorKeys(): { publicKey: string; operator: { authorization: string } } {
  const keys = generateSigningKeys();
  return { publicKey: keys.publicKey, operator: bearer(keys.privateKey, ['operator']) };
}

/** A participant of the test's own: one store `test:<id>`, account data, phase 1. */
export function testParticipant(
  scope: TestScope,
  participantId: string,
  erase: (task: ErasureTask) => Promise<TaskResult>,
  declaration: Partial<ParticipantDeclaration> = {},
): Promise<Participant> {
  return joinErasureProtocol({
    ...participantBasics({ kafka: scope.kafka, codec: scope.codec, topicName: scope.topicName }),
    declaration: {
      participantId,
      stores: [`test:${participantId}`],
      categories: ['account'],
      phase: 1,
      timeoutMs: 10_000,
      ...declaration,
    },
    erase,
  });
}

/** What a participant that found and removed `count` records answers. */
export function erasedResult(store: string, count = 1): TaskResult {
  return { outcome: 'erased', counts: { [store]: count }, verifiedEmpty: true, evidence: { remaining: 0 } };
}

/** The erasure service in this process, on the scope, with a fresh key-encryption key. */
export function startTestErasure(
  scope: TestScope,
  publicKey: string,
  operations?: ServiceOperations,
): Promise<ErasureService> {
  return startErasureService({
    ...(operations ? { operations } : {}),
    taskSigningKey: testTaskKeys().signingKey,
    db: scope.db,
    kafka: scope.kafka,
    codec: scope.codec,
    kek: localKek(randomBytes(32).toString('base64')),
    logger: testLogger(),
    publicKeys: [publicKeyFrom(publicKey)],
    topicName: scope.topicName,
  });
}

export interface CompletedRequest {
  status: 'completed';
  result: string;
  outcomes: { participantId: string; outcome: string }[];
}

/** Polls `GET /v1/erasure-requests/<id>` (in process) until the request has completed. */
export function completedRequest(
  app: FastifyInstance,
  requestId: string,
  headers: Record<string, string>,
  timeoutMs = 60_000,
): Promise<CompletedRequest> {
  return eventually(
    async () => {
      const body = (await app.inject({ url: `/v1/erasure-requests/${requestId}`, headers })).json<{
        status?: string;
      }>();
      return body.status === 'completed' ? (body as CompletedRequest) : undefined;
    },
    timeoutMs,
    `request ${requestId} to complete`,
  );
}

/**
 * How many ErasureCompleted the scope's erasure log holds for a request, once it holds one: the
 * request's status is its stream's, and the event reaches the log a moment later (the outbox).
 */
export async function completionsOf(scope: TestScope, requestId: string): Promise<number> {
  return eventually(
    async () => {
      const events = await readAllEvents(
        scope.kafka,
        scope.codec,
        scope.topicName('lethe.erasure.events.v1'),
      );
      const count = events.filter(
        (e) => isEventOfType(e, 'ErasureCompleted') && e.data.requestId === requestId,
      ).length;
      return count > 0 ? count : undefined;
    },
    30_000,
    `ErasureCompleted for ${requestId} on the log`,
  );
}
