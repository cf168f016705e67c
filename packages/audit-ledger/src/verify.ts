import type { KeyObject } from 'node:crypto';

import type { KeyVaultReader } from '@lethe/crypto';
import { isEventOfType, type EventCodec, type LetheEvent } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';

import { checkpointValid, entryHashOf, GENESIS_HASH, recordDigest } from './chain';
import { PositionIndex } from './position-index';
import { AUDITED_TOPICS, LEDGER_TOPIC } from './topics';

export type ProblemKind =
  | 'ledger-chain-broken'
  | 'ledger-checkpoint-invalid'
  | 'record-altered'
  | 'record-forged'
  | 'record-not-in-ledger'
  | 'ledger-entry-without-record'
  | 'request-completed-twice'
  | 'request-completed-late'
  | 'request-overdue'
  | 'erased-subject-key-present';

export interface Problem {
  readonly kind: ProblemKind;
  /** Where: `<topic>/<partition>@<offset>`, and the ledger seq when there is one. */
  readonly position: string;
  readonly detail: string;
}

export interface RequestTimeline {
  readonly requestId: string;
  readonly subjectId: string | null;
  readonly requestedAt: number | null;
  readonly dueAt: number | null;
  readonly status: 'completed' | 'blocked' | 'open' | 'overdue';
  readonly result: string | null;
  readonly completedAt: number | null;
  readonly completions: number;
  readonly steps: { readonly type: string; readonly at: number; readonly detail: string }[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly verifiedAt: string;
  readonly ledger: { readonly entries: number; readonly checkpoints: number; readonly lastSeq: number };
  readonly records: number;
  readonly problems: readonly Problem[];
  readonly requests: readonly RequestTimeline[];
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
  now?: Date;
  onProgress?: (records: number) => void;
}

const at = (topic: string, partition: number, offset: number) => `${topic}/${partition}@${offset}`;

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
  // Per record position only what the check needs: 1,000,000 full entries would not fit.
  const byPosition = new PositionIndex<{ seq: number; eventDigest: string }>();
  const digestByEventId = new Map<string, string>();
  const hashBySeq = new Map<number, string>();
  let previous: { seq: number; entryHash: string } | null = null;
  let entries = 0;
  let checkpoints = 0;
  let records = 0;
  const progress = () => {
    records += 1;
    if (records % 10_000 === 0) deps.onProgress?.(records);
  };

  const ledger = topicName(LEDGER_TOPIC);
  const pendingCheckpoints: { seq: number; entryHash: string; signature: Buffer; position: string }[] = [];
  const ledgerRead = deps.kafka.readTopic(
    ledger,
    async (record) => {
      progress();
      const position = () => at(ledger, record.partition, record.offset); // only for problems
      const { event } = await deps.codec.decode(record.value!);
      if (isEventOfType(event, 'AuditEntry')) {
        entries += 1;
        const entry = {
          ...event.data,
          seq: Number(event.data.seq),
          eventRef: { ...event.data.eventRef, offset: Number(event.data.eventRef.offset) },
        };
        const expectedSeq = (previous?.seq ?? 0) + 1;
        const expectedPrev = previous?.entryHash ?? GENESIS_HASH;
        if (entry.seq !== expectedSeq)
          problems.push({
            kind: 'ledger-chain-broken',
            position: `${position()} seq ${entry.seq}`,
            detail: `expected seq ${expectedSeq}`,
          });
        else if (entry.prevHash !== expectedPrev)
          problems.push({
            kind: 'ledger-chain-broken',
            position: `${position()} seq ${entry.seq}`,
            detail: 'prevHash does not match the entry before',
          });
        else if (entryHashOf(entry) !== entry.entryHash)
          problems.push({
            kind: 'ledger-chain-broken',
            position: `${position()} seq ${entry.seq}`,
            detail: 'entryHash does not match the entry',
          });
        previous = { seq: entry.seq, entryHash: entry.entryHash };
        hashBySeq.set(entry.seq, entry.entryHash);
        byPosition.set(entry.eventRef.topic, entry.eventRef.partition, entry.eventRef.offset, {
          seq: entry.seq,
          eventDigest: entry.eventDigest,
        });
        if (entry.eventRef.eventId) digestByEventId.set(entry.eventRef.eventId, entry.eventDigest);
      } else if (isEventOfType(event, 'AuditCheckpoint')) {
        checkpoints += 1;
        pendingCheckpoints.push({
          seq: Number(event.data.seq),
          entryHash: event.data.entryHash,
          signature: event.data.signature,
          position: position(),
        });
      }
    },
    { transactional: true },
  );

  const decodeEvent = async (value: Buffer | null): Promise<LetheEvent | undefined> => {
    try {
      return value ? (await deps.codec.decode(value)).event : undefined;
    } catch {
      return undefined;
    }
  };
  const erasureEvents: { event: LetheEvent; position: string }[] = [];
  const seenPositions = new PositionIndex<true>();
  type SourceRecord = {
    topic: string;
    partition: number;
    offset: number;
    digest: string;
    value: Buffer | null;
  };
  // Records read before the ledger reached their entry: checked once both reads are done.
  const unmatched: SourceRecord[] = [];
  const checkRecord = async ({ topic, partition, offset, digest, value }: SourceRecord) => {
    const position = at(topic, partition, offset);
    const entry = byPosition.get(topic, partition, offset);
    if (entry) {
      if (entry.eventDigest !== digest)
        problems.push({
          kind: 'record-altered',
          position: `${position} seq ${entry.seq}`,
          detail: 'the record bytes differ from the digest in the ledger',
        });
      return;
    }
    const event = await decodeEvent(value);
    const known = event ? digestByEventId.get(event.envelope.eventId) : undefined;
    if (known === undefined)
      problems.push({
        kind: 'record-not-in-ledger',
        position,
        detail: 'no ledger entry for this record or its event id',
      });
    else if (known !== digest)
      problems.push({
        kind: 'record-forged',
        position,
        detail: `a copy of event ${event!.envelope.eventId} with other bytes`,
      });
    // Same event id, same bytes: an outbox publishing twice, ledgered once. Not a problem.
  };
  const lowWatermarks = new Map<string, number>();
  // The ledger and the topics are read at once: their fetches overlap instead of queueing.
  const topicReads = AUDITED_TOPICS.map(async (logical) => {
    const topic = topicName(logical);
    for (const p of await deps.kafka.admin.endOffsets(topic))
      lowWatermarks.set(`${topic}/${p.partition}`, p.low);
    await deps.kafka.readTopic(topic, async (record) => {
      progress();
      const { partition, offset, value } = record;
      seenPositions.set(topic, partition, offset, true);
      const source = { topic, partition, offset, digest: recordDigest(value), value };
      if (byPosition.get(topic, partition, offset)) await checkRecord(source);
      else unmatched.push(source);
      if (logical === 'lethe.erasure.events.v1') {
        const event = await decodeEvent(value);
        if (event) erasureEvents.push({ event, position: at(topic, partition, offset) });
      }
    });
  });
  await Promise.all([ledgerRead, ...topicReads]);
  for (const record of unmatched) await checkRecord(record);
  for (const checkpoint of pendingCheckpoints) {
    const signed = checkpointValid(
      deps.publicKey,
      checkpoint.seq,
      checkpoint.entryHash,
      checkpoint.signature,
    );
    if (!signed || hashBySeq.get(checkpoint.seq) !== checkpoint.entryHash)
      problems.push({
        kind: 'ledger-checkpoint-invalid',
        position: `${checkpoint.position} seq ${checkpoint.seq}`,
        detail: signed
          ? 'the signed hash is not the ledger entry at that seq'
          : 'the signature does not verify',
      });
  }

  for (const [topic, partition, offset, entry] of byPosition.entries()) {
    if (seenPositions.get(topic, partition, offset)) continue;
    // Below the low watermark the topic's retention removed it (the ingest topic keeps 7 days).
    if (offset < (lowWatermarks.get(`${topic}/${partition}`) ?? 0)) continue;
    problems.push({
      kind: 'ledger-entry-without-record',
      position: `${at(topic, partition, offset)} seq ${entry.seq}`,
      detail: 'the ledger names a record the topic does not hold',
    });
  }

  const requests = timelines(erasureEvents, now, problems);
  let erasedSubjectsChecked: number | null = null;
  if (deps.keyVault) {
    erasedSubjectsChecked = 0;
    for (const request of requests) {
      if (request.status !== 'completed' || request.result !== 'complete' || !request.subjectId) continue;
      if (!request.steps.some((s) => s.type === 'ErasureTaskCompleted' && s.detail.startsWith('key-vault')))
        continue;
      erasedSubjectsChecked += 1;
      const { keyPresent, forgotten } = await deps.keyVault.erasureState(request.subjectId);
      if (keyPresent || !forgotten)
        problems.push({
          kind: 'erased-subject-key-present',
          position: `request ${request.requestId}`,
          detail: keyPresent
            ? 'the subject key is still in the vault: its data still decrypts'
            : 'no forgotten record for the erased subject',
        });
    }
  }
  return {
    ok: problems.length === 0,
    verifiedAt: new Date(now).toISOString(),
    ledger: { entries, checkpoints, lastSeq: (previous as { seq: number } | null)?.seq ?? 0 },
    records,
    problems,
    requests,
    erasedSubjectsChecked,
  };
}

function timelines(
  events: { event: LetheEvent; position: string }[],
  now: number,
  problems: Problem[],
): RequestTimeline[] {
  const byRequest = new Map<
    string,
    {
      subjectId: string | null;
      requestedAt: number | null;
      dueAt: number | null;
      blocked: boolean;
      completions: Map<string, { at: number; result: string; position: string }>;
      steps: { type: string; at: number; detail: string }[];
      seen: Set<string>;
    }
  >();
  for (const { event, position } of events) {
    const requestId = (event.data as { requestId?: string }).requestId;
    if (!requestId) continue;
    const request = byRequest.get(requestId) ?? {
      subjectId: event.envelope.subjectId,
      requestedAt: null,
      dueAt: null,
      blocked: false,
      completions: new Map<string, { at: number; result: string; position: string }>(),
      steps: [] as { type: string; at: number; detail: string }[],
      seen: new Set<string>(),
    };
    byRequest.set(requestId, request);
    if (request.seen.has(event.envelope.eventId)) continue; // a faithful duplicate
    request.seen.add(event.envelope.eventId);
    const occurredAt = event.envelope.occurredAt;
    let detail = '';
    if (isEventOfType(event, 'ErasureRequested')) {
      request.requestedAt = Number(event.data.requestedAt);
      request.dueAt = Number(event.data.dueAt);
      detail = `${event.data.reason}${event.data.regulation ? ` (${event.data.regulation})` : ''}`;
    } else if (isEventOfType(event, 'ErasureBlocked')) {
      request.blocked = true;
      detail = `held by ${event.data.holdIds.length} legal hold(s)`;
    } else if (isEventOfType(event, 'ErasurePlanned')) {
      request.blocked = false;
      detail = event.data.tasks.map((t) => t.participantId).join(', ');
    } else if (isEventOfType(event, 'ErasureTaskCompleted')) {
      detail = `${event.data.participantId}: ${event.data.outcome}${event.data.verifiedEmpty ? ', verified empty' : ''}`;
    } else if (isEventOfType(event, 'ErasureTaskFailed')) {
      detail = `${event.data.participantId}: ${event.data.code}`;
    } else if (isEventOfType(event, 'ErasureTaskIssued')) {
      detail = `${event.data.participantId} attempt ${event.data.attempt}`;
    } else if (isEventOfType(event, 'ErasureCompleted')) {
      request.completions.set(event.envelope.eventId, {
        at: occurredAt,
        result: event.data.result,
        position,
      });
      detail = event.data.result;
    } else if (isEventOfType(event, 'ErasureDeadlineAtRisk')) {
      detail = `open: ${event.data.openParticipants.join(', ')}`;
    }
    request.steps.push({ type: event.envelope.type, at: occurredAt, detail });
  }
  return [...byRequest].map(([requestId, request]) => {
    const completions = [...request.completions.values()].sort((a, b) => a.at - b.at);
    const first = completions[0];
    if (completions.length > 1)
      problems.push({
        kind: 'request-completed-twice',
        position: completions[1]!.position,
        detail: `request ${requestId} has ${completions.length} ErasureCompleted events`,
      });
    if (first && request.dueAt !== null && first.at > request.dueAt)
      problems.push({
        kind: 'request-completed-late',
        position: first.position,
        detail: `request ${requestId} completed after its deadline ${new Date(request.dueAt).toISOString()}`,
      });
    const overdue = !first && request.dueAt !== null && now > request.dueAt;
    if (overdue)
      problems.push({
        kind: 'request-overdue',
        position: `request ${requestId}`,
        detail: `no completion, due ${new Date(request.dueAt!).toISOString()}`,
      });
    return {
      requestId,
      subjectId: request.subjectId,
      requestedAt: request.requestedAt,
      dueAt: request.dueAt,
      status: first ? 'completed' : overdue ? 'overdue' : request.blocked ? 'blocked' : 'open',
      result: first?.result ?? null,
      completedAt: first?.at ?? null,
      completions: completions.length,
      steps: request.steps.sort((a, b) => a.at - b.at),
    } satisfies RequestTimeline;
  });
}
