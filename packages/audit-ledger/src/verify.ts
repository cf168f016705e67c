import type { KeyObject } from 'node:crypto';

import type { KeyVaultReader } from '@lethe/crypto';
import { isEventOfType, taskRejection, type EventCodec, type LetheEvent } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';

import { recordDigest } from './chain';
import { createChainCheck } from './chain-check';
import { LedgerProgress } from './ledger-progress';
import { at, type Problem, type RequestTimeline } from './problems';
import { checkProtocol } from './protocol-check';
import { createRecordCheck } from './record-check';
import { timelines } from './timelines';
import { AUDITED_TOPICS, COMPACTED_AUDITED_TOPICS, LEDGER_TOPIC } from './topics';

export type { ParticipantAnswer, Problem, ProblemKind, RequestTimeline } from './problems';

/** The audited topics whose events the checks after the read keep (see keepEvent). */
const EVENT_TOPICS: ReadonlySet<string> = new Set([
  'lethe.access.events.v1',
  'lethe.retention.events.v1',
  'lethe.erasure.events.v1',
]);

/** One recorded answer that carried a subject's personal data (PersonalDataAccessed). */
export interface RecordedRead {
  readonly at: string;
  readonly actor: string;
  readonly actorScopes: readonly string[];
  readonly service: string;
  readonly operation: string;
  readonly fields: readonly string[];
  readonly purpose: string | null;
  readonly position: string;
}

/** Who read a subject's personal data, oldest first. */
export interface SubjectReads {
  readonly subjectId: string;
  readonly reads: readonly RecordedRead[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly verifiedAt: string;
  readonly ledger: { readonly entries: number; readonly checkpoints: number; readonly lastSeq: number };
  readonly records: number;
  readonly problems: readonly Problem[];
  readonly requests: readonly RequestTimeline[];
  /** Every recorded read of personal data, by subject (from lethe.access.events.v1). */
  readonly reads: readonly SubjectReads[];
  readonly erasedSubjectsChecked: number | null;
}

export interface VerifyDeps {
  kafka: KafkaClient;
  codec: EventCodec;
  /** The checkpoint signing key's public half: nothing else secret is needed. */
  publicKey: KeyObject;
  topicName?: (logical: string) => string;
  /** Read access to the key vault: then erased subjects are checked to have no key left. */
  keyVault?: KeyVaultReader;
  /** The erasure service's task-signing public keys: then every task's signature is checked. */
  taskPublicKeys?: readonly KeyObject[];
  now?: Date;
  onProgress?: (records: number) => void;
}

/**
 * Replays the ledger and every audited topic from offset 0 with only the broker, the registry
 * and the public key: checks the chain and its signatures, matches every record to its entry by
 * position and digest, rebuilds each erasure request's timeline, and (given the key vault)
 * confirms that no erased subject's key remains. `ok` only when nothing is wrong.
 */
export async function verifyLedger(deps: VerifyDeps): Promise<VerifyReport> {
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const now = (deps.now ?? new Date()).getTime();
  const problems: Problem[] = [];
  let records = 0;
  const progress = () => {
    records += 1;
    if (records % 10_000 === 0) deps.onProgress?.(records);
  };
  const decode = async (value: Buffer | null): Promise<LetheEvent | undefined> => {
    try {
      return value ? (await deps.codec.decode(value)).event : undefined;
    } catch {
      return undefined;
    }
  };
  const ledgerProgress = new LedgerProgress();
  const chain = createChainCheck(problems, ledgerProgress);
  const recordCheck = createRecordCheck(
    chain,
    problems,
    decode,
    new Set(COMPACTED_AUDITED_TOPICS.map(topicName)),
    ledgerProgress,
  );
  const erasureEvents: { event: LetheEvent; position: string }[] = [];
  // Of the retention log, the legal holds (what an erasure must not override) and the policy
  // activations (the legal retention terms certificates state).
  const holdEvents: { event: LetheEvent; position: string }[] = [];
  const readsBySubject = new Map<string, RecordedRead[]>();
  const takeRead = (event: LetheEvent | undefined, position: string) => {
    if (!event || !isEventOfType(event, 'PersonalDataAccessed') || !event.envelope.subjectId) return;
    const reads = readsBySubject.get(event.envelope.subjectId) ?? [];
    reads.push({ at: new Date(event.envelope.occurredAt).toISOString(), ...event.data, position });
    readsBySubject.set(event.envelope.subjectId, reads);
  };

  const ledger = topicName(LEDGER_TOPIC);
  const ledgerRead = deps.kafka.readTopic(
    ledger,
    async (record) => {
      progress();
      const { event } = await deps.codec.decode(record.value!);
      chain.take(event, () => at(ledger, record.partition, record.offset));
    },
    { transactional: true },
  );
  // Done or failed, the records waiting for the ledger go on.
  void ledgerRead.finally(() => ledgerProgress.end()).catch(() => undefined);
  // What the checks after the read need from the topics themselves: reads of personal data,
  // holds and policy activations, and every erasure event.
  const keepEvent = async (logical: string, value: Buffer | null, position: string) => {
    if (logical === 'lethe.access.events.v1') return takeRead(await decode(value), position);
    const event = await decode(value);
    if (!event) return;
    if (logical === 'lethe.erasure.events.v1') erasureEvents.push({ event, position });
    else if (
      isEventOfType(event, 'LegalHoldPlaced') ||
      isEventOfType(event, 'LegalHoldReleased') ||
      isEventOfType(event, 'PolicyVersionActivated')
    )
      holdEvents.push({ event, position });
  };
  // The ledger and the topics are read at once: their fetches overlap instead of queueing.
  const topicReads = AUDITED_TOPICS.map(async (logical) => {
    const topic = topicName(logical);
    const keepsEvents = EVENT_TOPICS.has(logical);
    for (const p of await deps.kafka.admin.endOffsets(topic))
      recordCheck.lowWatermark(topic, p.partition, p.low);
    // Synchronous for most records (the entry is known, the event not needed): no promise each.
    await deps.kafka.readTopic(topic, ({ partition, offset, value }) => {
      progress();
      const matching = recordCheck.take({ topic, partition, offset, digest: recordDigest(value), value });
      if (!keepsEvents) return matching;
      return (async () => {
        await matching;
        await keepEvent(logical, value, at(topic, partition, offset));
      })();
    });
  });
  await Promise.all([ledgerRead, ...topicReads]);
  await recordCheck.finish();
  chain.checkCheckpoints(deps.publicKey);

  if (deps.taskPublicKeys) checkTaskSignatures(erasureEvents, deps.taskPublicKeys, problems);
  checkProtocol(erasureEvents, holdEvents, problems);
  const requests = timelines(erasureEvents, now, problems);
  const erasedSubjectsChecked = deps.keyVault
    ? await checkErasedKeys(requests, deps.keyVault, problems)
    : null;
  return {
    ok: problems.length === 0,
    verifiedAt: new Date(now).toISOString(),
    ledger: chain.summary(),
    records,
    problems,
    requests,
    reads: [...readsBySubject].map(([subjectId, reads]) => ({
      subjectId,
      reads: reads.sort((a, b) => a.at.localeCompare(b.at)),
    })),
    erasedSubjectsChecked,
  };
}

/**
 * Every task on the erasure log must carry the erasure service's signature: a task without one
 * was not the erasure service's to issue. Checked as of its issue (an old task has not expired
 * for the audit, only for a participant that would still run it).
 */
function checkTaskSignatures(
  erasureEvents: readonly { event: LetheEvent; position: string }[],
  publicKeys: readonly KeyObject[],
  problems: Problem[],
): void {
  for (const { event, position } of erasureEvents) {
    if (!isEventOfType(event, 'ErasureTaskIssued')) continue;
    const { requestId, participantId, scope, attempt, signature } = event.data;
    const task = { requestId, subjectId: event.envelope.subjectId ?? '', participantId, scope, attempt };
    const rejection = taskRejection(publicKeys, task, signature, signature?.issuedAt ?? 0);
    if (rejection)
      problems.push({
        kind: 'task-signature-invalid',
        position,
        detail: `${rejection}: task for ${participantId} (request ${requestId}, attempt ${attempt})`,
      });
  }
}

/** Every subject whose whole-account erasure completed must have no key left, and be forgotten. */
async function checkErasedKeys(
  requests: readonly RequestTimeline[],
  keyVault: KeyVaultReader,
  problems: Problem[],
): Promise<number> {
  let checked = 0;
  for (const request of requests) {
    if (request.status !== 'completed' || request.result !== 'complete' || !request.subjectId) continue;
    if (!request.steps.some((s) => s.type === 'ErasureTaskCompleted' && s.detail.startsWith('key-vault')))
      continue;
    checked += 1;
    const { keyPresent, forgotten } = await keyVault.erasureState(request.subjectId);
    if (keyPresent || !forgotten)
      problems.push({
        kind: 'erased-subject-key-present',
        position: `request ${request.requestId}`,
        detail: keyPresent
          ? 'the subject key is still in the vault: its data still decrypts'
          : 'no forgotten record for the erased subject',
      });
  }
  return checked;
}
