// What an operator does with dead letters (`lethe dlq`): see which topics hold some and why,
// look at them (headers and causes, never a value), send them back to their source topic once
// the cause is fixed, and purge them.
import type { KafkaClient } from './client';
import { DLQ_HEADERS } from './dead-letter';
import type { TopicRecord } from './read-topic';
import { DEAD_LETTER_SUFFIX } from './topics';

export interface DeadLetterSummary {
  readonly topic: string;
  /** Records still on the topic (purged and expired ones gone). */
  readonly records: number;
  /** When the oldest of them failed. */
  readonly oldestFailedAt: string | null;
  /** How many records each cause accounts for. */
  readonly causes: Readonly<Record<string, number>>;
}

export interface DeadLetterView {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly valueBytes: number;
  /** The dead-letter headers: where it came from, the cause, the attempts. */
  readonly headers: Readonly<Record<string, string>>;
}

const isDeadLetterHeader = (name: string) => name.startsWith('lethe.dlq.');

async function recordsOf(kafka: KafkaClient, topic: string): Promise<TopicRecord[]> {
  const records: TopicRecord[] = [];
  await kafka.readTopic(topic, (record) => void records.push(record));
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Every dead-letter topic (under `prefix`), with its depth, oldest failure and causes. */
export async function listDeadLetters(kafka: KafkaClient, prefix = ''): Promise<DeadLetterSummary[]> {
  const topics = (await kafka.admin.listTopics())
    .filter((topic) => topic.startsWith(prefix) && topic.endsWith(DEAD_LETTER_SUFFIX))
    .sort();
  const summaries: DeadLetterSummary[] = [];
  for (const topic of topics) {
    const depth = (await kafka.admin.endOffsets(topic)).reduce((sum, p) => sum + (p.high - p.low), 0);
    if (depth === 0) {
      summaries.push({ topic, records: 0, oldestFailedAt: null, causes: {} });
      continue;
    }
    const records = await recordsOf(kafka, topic);
    const causes: Record<string, number> = {};
    for (const record of records) {
      const cause = record.headers[DLQ_HEADERS.cause] ?? 'unknown';
      causes[cause] = (causes[cause] ?? 0) + 1;
    }
    const failedAt = records
      .map((r) => r.headers[DLQ_HEADERS.failedAt] ?? '')
      .filter(Boolean)
      .sort();
    summaries.push({ topic, records: records.length, oldestFailedAt: failedAt[0] ?? null, causes });
  }
  return summaries;
}

/** The dead letters from `offset` on (every partition), at most `limit`: headers, never values. */
export async function showDeadLetters(
  kafka: KafkaClient,
  topic: string,
  { offset = 0, limit = 20 }: { offset?: number; limit?: number } = {},
): Promise<DeadLetterView[]> {
  return (await recordsOf(kafka, topic))
    .filter((record) => record.offset >= offset)
    .slice(0, limit)
    .map((record) => ({
      partition: record.partition,
      offset: record.offset,
      key: record.key?.toString('utf8') ?? null,
      valueBytes: record.value?.length ?? 0,
      headers: Object.fromEntries(
        Object.entries(record.headers).filter(([name]) => isDeadLetterHeader(name)),
      ),
    }));
}

export interface ReplayOptions {
  /** Offsets from and to (inclusive), in every partition. */
  readonly from?: number;
  readonly to?: number;
  /** Only the records whose cause starts with this (`lethe dlq list` shows the causes). */
  readonly cause?: string;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ReplayResult {
  readonly replayed: number;
  /** Already replayed by an earlier run (the topic's replay progress group says so). */
  readonly alreadyReplayed: number;
  /** Records that cannot be replayed: their value was too large to copy (the source has it). */
  readonly withoutValue: number;
}

/** The group whose committed offsets mark how far each dead-letter topic was replayed. */
export const replayProgressGroup = (topic: string) => `${topic}.replayed`;

/**
 * Sends dead letters back to the topic they came from, with their original key, value and
 * headers (and where they were replayed from). Consumers are idempotent on event id, so a record
 * replayed twice has its effect once; the progress group also keeps a second run from sending
 * again what a first one did. Records stay on the dead-letter topic until `purge`.
 */
export async function replayDeadLetters(
  kafka: KafkaClient,
  topic: string,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const group = replayProgressGroup(topic);
  const progress = await kafka.admin.committedOffsets(group, topic);
  const chosen = (await recordsOf(kafka, topic)).filter(
    (record) =>
      record.offset >= (options.from ?? 0) &&
      record.offset <= (options.to ?? Number.MAX_SAFE_INTEGER) &&
      (options.cause === undefined || (record.headers[DLQ_HEADERS.cause] ?? '').startsWith(options.cause)),
  );
  const pending = chosen.filter((record) => record.offset >= (progress.get(record.partition) ?? 0));
  let replayed = 0;
  let withoutValue = 0;
  const total = pending.length;
  for (const record of pending) {
    const source = record.headers[DLQ_HEADERS.sourceTopic];
    if (record.headers[DLQ_HEADERS.valueOmitted] || !source) {
      withoutValue += 1;
    } else {
      const original = Object.fromEntries(
        Object.entries(record.headers).filter(([name]) => !isDeadLetterHeader(name)),
      );
      await kafka.send([
        {
          topic: source,
          key: record.key,
          value: record.value,
          headers: {
            ...original,
            [DLQ_HEADERS.replayedFrom]: `${topic}/${record.partition}@${record.offset}`,
          },
        },
      ]);
      replayed += 1;
    }
    // Progress after each record: a run stopped half way resumes where it stopped.
    await kafka.admin.setGroupOffsets(group, topic, new Map([[record.partition, record.offset + 1]]));
    options.onProgress?.(replayed + withoutValue, total);
  }
  return { replayed, alreadyReplayed: chosen.length - pending.length, withoutValue };
}

/** Deletes every record on the dead-letter topic (DeleteRecords); returns how many went. */
export async function purgeDeadLetters(kafka: KafkaClient, topic: string): Promise<number> {
  const partitions = await kafka.admin.endOffsets(topic);
  const purged = partitions.reduce((sum, p) => sum + (p.high - p.low), 0);
  await kafka.admin.deleteRecordsBefore(topic, new Map(partitions.map((p) => [p.partition, p.high])));
  return purged;
}
