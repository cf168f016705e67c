import type { KeyObject } from 'node:crypto';

import { createHash } from 'node:crypto';

import { sealExport, sealingPublicKeyFrom } from '@lethe/crypto';
import {
  accessTaskRejection,
  isEventOfType,
  makeEvent,
  taskRejection,
  type TaskRejection,
  type EnvelopeInput,
  type ErasureScope,
  type EventCodec,
  type EventOf,
  type LetheEvent,
  type TaskSignature,
} from '@lethe/events';
import {
  describeCause,
  isRetriable,
  SUBJECTS_CONSUMED_CONCURRENTLY,
  taskTopicSpec,
  type ConsumerRunner,
  type EventProducer,
  type KafkaClient,
} from '@lethe/kafka';
import type { Logger } from '@lethe/logger';

import { batchedErase, type EraseMany } from './erase-batches';
import { evidenceDigest } from './evidence';

/**
 * `retained-consent`: kept, out of a whole-account erasure's scope, because a consent the subject
 * still gives keeps it (the marketing contact while marketing is granted).
 */
export type TaskOutcome =
  'erased' | 'anonymised' | 'not-found' | 'provider-retention' | 'retained-legal' | 'retained-consent';

/** One work item: erase (or anonymise) what this participant holds of a subject, in scope. */
export interface ErasureTask {
  readonly requestId: string;
  readonly subjectId: string;
  readonly scope: ErasureScope;
  readonly attempt: number;
  readonly deadlineAt: Date;
  /** The erasure service's signature, already verified: for a participant that forwards the task. */
  readonly signature: TaskSignature | null;
}

/** What the participant did, and what it read back to prove it. */
export interface TaskResult {
  readonly outcome: TaskOutcome;
  /** Records affected per store, e.g. { 'mongodb:profiles': 3 }. */
  readonly counts: Readonly<Record<string, number>>;
  /** The read-back after the erasure found nothing of the subject in scope. */
  readonly verifiedEmpty: boolean;
  /** What the read-back saw (no personal data); its digest goes on the certificate. */
  readonly evidence: unknown;
  /** For provider-retention and retained-legal: when the data will be gone. */
  readonly retainedUntil?: Date;
}

/** An export task (right of access): hand over what this participant holds of a subject. */
export interface ExportTask {
  readonly requestId: string;
  readonly subjectId: string;
}

/** The subject's records per store, as the subject may read them (JSON values). */
export interface ExportResult {
  readonly records: Readonly<Record<string, readonly unknown[]>>;
}

/** An answer must fit one Kafka record (1 MiB by default) with room for the sealing. */
export const MAX_EXPORT_BYTES = 768 * 1024;

export interface ParticipantDeclaration {
  /** Lowercase letters, digits and dashes: it names the task topic. */
  readonly participantId: string;
  readonly stores: readonly string[];
  readonly categories: readonly string[];
  /** Lower phases run first; the key vault runs last of all. */
  readonly phase: number;
  readonly timeoutMs: number;
}

export interface ParticipantDeps {
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  declaration: ParticipantDeclaration;
  /**
   * Must be idempotent: a task can come twice, and running it twice must be harmless. Only a
   * participant that answers access requests alone goes without: it declares no categories (it
   * holds nothing an erasure removes), so no erasure plans it.
   */
  erase?: (task: ErasureTask) => Promise<TaskResult>;
  /**
   * Instead of erase, for a store that can erase several subjects in one round trip: the tasks
   * that arrive together come as one call (erase-batches.ts). Same idempotence as erase.
   */
  eraseMany?: EraseMany;
  /**
   * Optional: answers access requests with the subject's data. A participant with it registers
   * as exporting, and the erasure service sends it export tasks; it must only read.
   */
  export?: (task: ExportTask) => Promise<ExportResult>;
  /**
   * The erasure service's task-signing public keys (LETHE_TASK_PUBLIC_KEYS; several while one is
   * rotated). A task whose signature none of them verifies, or that has expired, is never run:
   * it goes to the task topic's dead letters with the reason.
   */
  taskPublicKeys: readonly KeyObject[];
  /** Maps logical topics to physical ones (tests give each file its own). */
  topicName?: (logicalTopic: string) => string;
  now?: () => Date;
}

export interface Participant {
  readonly taskTopic: string;
  stop(): Promise<void>;
}

const PARTICIPANTS_TOPIC = 'lethe.erasure.participants.v1';
/** Where participants answer; the erasure service copies the answers it accepts onto its log. */
const ANSWERS_TOPIC = 'lethe.erasure.answers.v1';

/**
 * Count keys end up as document keys in the erasure service's state, and FerretDB refuses keys
 * with '.', so a store named after a topic or collection path reports under '_' instead.
 */
function storeCounts(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).map(([store, count]) => [store.replace(/\./g, '_'), count]),
  );
}

/** The error's stable code, if it has one; never its message, which could hold anything. */
function stableCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'PARTICIPANT_ERROR';
}
const ERASURE_EVENTS_TOPIC = 'lethe.erasure.events.v1';

/** A task that must not run: dead-lettered (never retried) with the reason, nothing erased. */
export class TaskRefused extends Error {
  override readonly name = 'TaskRefused';
  readonly retriable = false;
  constructor(readonly code: TaskRejection) {
    super(`the erasure task was refused before any data was touched (${code})`);
  }
}

function refuseUnlessSigned(
  publicKeys: readonly KeyObject[],
  event: EventOf<'ErasureTaskIssued'>,
  subjectId: string,
  now: Date,
): void {
  const { requestId, participantId, scope, attempt, signature } = event.data;
  const task = { requestId, subjectId, participantId, scope, attempt };
  const rejection = taskRejection(publicKeys, task, signature, now.getTime());
  if (rejection) throw new TaskRefused(rejection);
}

/** Runs the task and says how it went: ErasureTaskCompleted with the evidence, or ErasureTaskFailed. */
async function carryOut(
  { erase, declaration }: Pick<ParticipantDeps, 'erase' | 'declaration'>,
  log: Logger,
  event: EventOf<'ErasureTaskIssued'>,
  subjectId: string,
  answer: EnvelopeInput,
): Promise<LetheEvent> {
  const { requestId, attempt } = event.data;
  const participantId = declaration.participantId;
  let result: TaskResult;
  try {
    if (!erase)
      throw Object.assign(new Error('this participant only exports'), {
        code: 'NOT_AN_ERASURE_PARTICIPANT',
        retriable: false,
      });
    result = await erase({
      requestId,
      subjectId,
      scope: event.data.scope,
      attempt,
      deadlineAt: new Date(event.data.deadlineAt),
      signature: event.data.signature,
    });
  } catch (error) {
    log.warn({ requestId, attempt, cause: describeCause(error) }, 'erasure task failed');
    return makeEvent('ErasureTaskFailed', answer, {
      requestId,
      participantId,
      attempt,
      retriable: isRetriable(error),
      code: stableCode(error),
    });
  }
  return makeEvent('ErasureTaskCompleted', answer, {
    requestId,
    participantId,
    attempt,
    outcome: result.outcome,
    counts: storeCounts(result.counts),
    verifiedEmpty: result.verifiedEmpty,
    evidenceDigest: evidenceDigest(result.evidence),
    retainedUntil: result.retainedUntil ? result.retainedUntil.getTime() : null,
  });
}

function refuseUnlessSignedExport(
  publicKeys: readonly KeyObject[],
  event: EventOf<'AccessTaskIssued'>,
  subjectId: string,
  now: Date,
): void {
  const { requestId, participantId, exportKey, signature } = event.data;
  const task = { requestId, subjectId, participantId, exportKey };
  const rejection = accessTaskRejection(publicKeys, task, signature, now.getTime());
  if (rejection) throw new TaskRefused(rejection);
}

/** Exports the subject's data sealed to the request's key, or says why it could not. */
async function carryOutExport(
  exportData: NonNullable<ParticipantDeps['export']>,
  participantId: string,
  log: Logger,
  event: EventOf<'AccessTaskIssued'>,
  subjectId: string,
  answer: EnvelopeInput,
): Promise<LetheEvent> {
  const { requestId, exportKey } = event.data;
  const failed = (code: string) =>
    makeEvent('AccessTaskAnswered', answer, {
      requestId,
      participantId,
      outcome: 'failed',
      records: 0,
      sealedData: null,
      dataDigest: null,
      code,
    });
  let result: ExportResult;
  try {
    result = await exportData({ requestId, subjectId });
  } catch (error) {
    log.warn({ requestId, cause: describeCause(error) }, 'export task failed');
    return failed(stableCode(error));
  }
  const json = JSON.stringify(result.records);
  if (Buffer.byteLength(json) > MAX_EXPORT_BYTES) return failed('EXPORT_TOO_LARGE');
  const sealed = sealExport(sealingPublicKeyFrom(exportKey), { requestId, subjectId, participantId }, json);
  return makeEvent('AccessTaskAnswered', answer, {
    requestId,
    participantId,
    outcome: 'exported',
    records: Object.values(result.records).reduce((sum, records) => sum + records.length, 0),
    sealedData: sealed,
    dataDigest: `sha256:${createHash('sha256').update(sealed).digest('hex')}`,
    code: null,
  });
}

/**
 * Joins the erasure protocol (DESIGN.md section 4): registers on the participants topic, takes
 * the tasks on its own task topic, and answers each with ErasureTaskCompleted or
 * ErasureTaskFailed on the answers topic (the erasure log is the erasure service's alone). Retrying is the orchestrator's decision, so a
 * failure is answered, not retried here; an answer is committed before the task's offset.
 */
export async function joinErasureProtocol(deps: ParticipantDeps): Promise<Participant> {
  const { kafka, codec, logger, declaration } = deps;
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const now = deps.now ?? (() => new Date());
  const log = logger.child({ participantId: declaration.participantId });
  if (deps.erase && deps.eraseMany)
    throw new Error(`participant ${declaration.participantId}: give erase or eraseMany, not both`);
  const erase = deps.eraseMany ? batchedErase(deps.eraseMany) : deps.erase;
  if (!erase && (!deps.export || declaration.categories.length > 0))
    throw new Error(
      `participant ${declaration.participantId}: without an erase handler it must export, and declare no categories`,
    );
  const spec = taskTopicSpec(declaration.participantId, kafka.topicLayout);
  const taskTopic = topicName(spec.name);

  await kafka.admin.ensureTopics([{ ...spec, name: taskTopic }]);
  const producer: EventProducer = kafka.eventProducer(codec, topicName);
  const envelope = (subjectId: string | null, correlationId: string, causationId: string | null) => ({
    subjectId,
    correlationId,
    causationId,
    producer: `participant:${declaration.participantId}`,
    occurredAt: now().getTime(),
  });

  await producer.publish([
    {
      key: declaration.participantId,
      event: makeEvent(
        'ParticipantRegistered',
        envelope(null, `register:${declaration.participantId}`, null),
        {
          participantId: declaration.participantId,
          stores: [...declaration.stores],
          categories: [...declaration.categories],
          phase: declaration.phase,
          timeoutMs: declaration.timeoutMs,
          taskTopic: spec.name,
          exports: deps.export !== undefined,
        },
      ),
    },
  ]);

  const runner: ConsumerRunner = await kafka.runEventConsumer({
    codec,
    logger: log,
    groupId: topicName(`lethe.participant.${declaration.participantId}`),
    topics: [taskTopic],
    // Tasks are keyed by subject, and a task touches only its subject's data.
    keysConsumedConcurrently: SUBJECTS_CONSUMED_CONCURRENTLY,
    handle: async (event) => {
      if (isEventOfType(event, 'AccessTaskIssued')) {
        const subjectId = event.envelope.subjectId;
        if (event.data.participantId !== declaration.participantId || !subjectId || !deps.export) return;
        refuseUnlessSignedExport(deps.taskPublicKeys, event, subjectId, now());
        const answer = envelope(subjectId, event.envelope.correlationId, event.envelope.eventId);
        const answered = await carryOutExport(
          deps.export,
          declaration.participantId,
          log,
          event,
          subjectId,
          answer,
        );
        await producer.publish([{ event: answered, topic: topicName(ANSWERS_TOPIC) }]);
        return;
      }
      if (
        !isEventOfType(event, 'ErasureTaskIssued') ||
        event.data.participantId !== declaration.participantId
      )
        return;
      const subjectId = event.envelope.subjectId;
      if (!subjectId) return;
      refuseUnlessSigned(deps.taskPublicKeys, event, subjectId, now());
      const answer = envelope(subjectId, event.envelope.correlationId, event.envelope.eventId);
      await producer.publish([
        {
          event: await carryOut({ erase, declaration }, log, event, subjectId, answer),
          topic: topicName(ANSWERS_TOPIC),
        },
      ]);
    },
  });

  return {
    taskTopic,
    async stop() {
      await runner.stop();
    },
  };
}

export { ANSWERS_TOPIC, ERASURE_EVENTS_TOPIC, PARTICIPANTS_TOPIC };
