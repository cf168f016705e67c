import type { KeyObject } from 'node:crypto';

import { signTask, type ErasureTaskIssuedData, type EventCodec } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';
import { generateSigningKeys, privateKeyFrom, publicKeyFrom } from '@lethe/service-kit';

import { testLogger } from './kafka';

/**
 * The erasure-task signing pair every test shares: made once by the global setup and handed on
 * through the environment (as a service reads it), so erasure services and participants in
 * different processes of one run trust each other.
 */
export function ensureTestTaskKeys(env: NodeJS.ProcessEnv): void {
  if (env.LETHE_TASK_SIGNING_KEY && env.LETHE_TASK_PUBLIC_KEYS) return;
  const keys = generateSigningKeys();
  env.LETHE_TASK_SIGNING_KEY = keys.privateKey;
  env.LETHE_TASK_PUBLIC_KEYS = keys.publicKey;
}

export function testTaskKeys(): { signingKey: KeyObject; publicKeys: KeyObject[] } {
  const { LETHE_TASK_SIGNING_KEY: signing, LETHE_TASK_PUBLIC_KEYS: verifying } = process.env;
  if (!signing || !verifying)
    throw new Error('no task keys: run the tests through jest (test/src/global-setup.ts)');
  return { signingKey: privateKeyFrom(signing), publicKeys: verifying.split(',').map(publicKeyFrom) };
}

/** The data of an ErasureTaskIssued, signed as the erasure service would (by the test key). */
export function signedTaskData(
  task: { requestId: string; participantId: string; subjectId: string; attempt?: number },
  options: { issuedAt?: number; signingKey?: KeyObject } = {},
): ErasureTaskIssuedData {
  const issuedAt = options.issuedAt ?? Date.now();
  const scope = { all: true, categories: [], keep: [] };
  const attempt = task.attempt ?? 1;
  const signature = signTask(
    options.signingKey ?? testTaskKeys().signingKey,
    {
      requestId: task.requestId,
      subjectId: task.subjectId,
      participantId: task.participantId,
      scope,
      attempt,
    },
    issuedAt,
  );
  const { requestId, participantId } = task;
  return { requestId, participantId, attempt, phase: 1, scope, deadlineAt: issuedAt + 60_000, signature };
}

/** What every test participant is joined with: the run's task keys, a quiet logger, its wiring. */
export function participantBasics(wiring: {
  kafka: KafkaClient;
  codec: EventCodec;
  topicName: (logical: string) => string;
}) {
  return { ...wiring, taskPublicKeys: testTaskKeys().publicKeys, logger: testLogger() };
}
