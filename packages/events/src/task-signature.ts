import { sign, verify, type KeyObject } from 'node:crypto';

import { keyId, keyWithId } from '@lethe/signing-keys';

import type { TaskSignature } from './generated/types';

// Erasure tasks are signed by the erasure service (Ed25519) and verified by every participant
// before it touches data (DESIGN.md section 4): a principal that may write a task topic, by
// mistake or by theft, still cannot have a subject erased. The signature covers the task's
// meaning, not its bytes on the wire, so it survives re-encoding and is checked by auditors too.

/** What a task means: who is erased, by whom, how far, which attempt, and for how long it holds. */
export interface SignedTask {
  readonly requestId: string;
  readonly subjectId: string;
  readonly participantId: string;
  readonly scope: {
    readonly all: boolean;
    readonly categories: readonly string[];
    /** What a whole-account erasure leaves in place; absent or empty on most tasks. */
    readonly keep?: readonly string[];
  };
  readonly attempt: number;
}

/** A task stays good this long after it was issued: the task topics keep records a week. */
export const TASK_SIGNATURE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

const DOMAIN = 'lethe.erasure-task.v1';
const DOMAIN_KEEPING = 'lethe.erasure-task.v2';

/**
 * The bytes signed: a fixed-order JSON array, categories sorted, under a domain tag. A task that
 * keeps categories is signed under a second tag with the kept list after the categories, so what
 * is kept cannot be added or dropped on the wire, and tasks without it sign as they always did.
 */
export function canonicalTask(task: SignedTask, issuedAt: number, expiresAt: number): Buffer {
  const keep = [...(task.scope.keep ?? [])].sort();
  return Buffer.from(
    JSON.stringify([
      keep.length > 0 ? DOMAIN_KEEPING : DOMAIN,
      task.requestId,
      task.subjectId,
      task.participantId,
      task.scope.all,
      [...task.scope.categories].sort(),
      ...(keep.length > 0 ? [keep] : []),
      task.attempt,
      issuedAt,
      expiresAt,
    ]),
  );
}

export function signTask(privateKey: KeyObject, task: SignedTask, issuedAt: number): TaskSignature {
  const expiresAt = issuedAt + TASK_SIGNATURE_LIFETIME_MS;
  return {
    keyId: keyId(privateKey),
    issuedAt,
    expiresAt,
    value: sign(null, canonicalTask(task, issuedAt, expiresAt), privateKey).toString('base64url'),
  };
}

export type TaskRejection = 'TASK_UNSIGNED' | 'TASK_KEY_UNKNOWN' | 'TASK_SIGNATURE_INVALID' | 'TASK_EXPIRED';

/** Why a task must not run, or undefined when its signature verifies and it is in date. */
export function taskRejection(
  publicKeys: readonly KeyObject[],
  task: SignedTask,
  signature: TaskSignature | null,
  nowMs: number,
): TaskRejection | undefined {
  if (!signature) return 'TASK_UNSIGNED';
  const key = keyWithId(publicKeys, signature.keyId);
  if (!key) return 'TASK_KEY_UNKNOWN';
  const signed = canonicalTask(task, signature.issuedAt, signature.expiresAt);
  if (!verify(null, signed, key, Buffer.from(signature.value, 'base64url'))) return 'TASK_SIGNATURE_INVALID';
  if (signature.expiresAt <= nowMs) return 'TASK_EXPIRED';
  return undefined;
}

/** An export task: whose data, for which participant, and the key its answer is sealed to. */
export interface SignedAccessTask {
  readonly requestId: string;
  readonly subjectId: string;
  readonly participantId: string;
  /** base64 SPKI of the request's X25519 export key: signed, so no one can redirect the answer. */
  readonly exportKey: string;
}

const ACCESS_DOMAIN = 'lethe.access-task.v1';

function canonicalAccessTask(task: SignedAccessTask, issuedAt: number, expiresAt: number): Buffer {
  return Buffer.from(
    JSON.stringify([
      ACCESS_DOMAIN,
      task.requestId,
      task.subjectId,
      task.participantId,
      task.exportKey,
      issuedAt,
      expiresAt,
    ]),
  );
}

export function signAccessTask(
  privateKey: KeyObject,
  task: SignedAccessTask,
  issuedAt: number,
): TaskSignature {
  const expiresAt = issuedAt + TASK_SIGNATURE_LIFETIME_MS;
  return {
    keyId: keyId(privateKey),
    issuedAt,
    expiresAt,
    value: sign(null, canonicalAccessTask(task, issuedAt, expiresAt), privateKey).toString('base64url'),
  };
}

/** Why an export task must not run, or undefined when it verifies and is in date. */
export function accessTaskRejection(
  publicKeys: readonly KeyObject[],
  task: SignedAccessTask,
  signature: TaskSignature,
  nowMs: number,
): TaskRejection | undefined {
  const key = keyWithId(publicKeys, signature.keyId);
  if (!key) return 'TASK_KEY_UNKNOWN';
  const signed = canonicalAccessTask(task, signature.issuedAt, signature.expiresAt);
  if (!verify(null, signed, key, Buffer.from(signature.value, 'base64url'))) return 'TASK_SIGNATURE_INVALID';
  if (signature.expiresAt <= nowMs) return 'TASK_EXPIRED';
  return undefined;
}
