import { createHash } from 'node:crypto';

import {
  createEventCodec,
  createSchemaRegistry,
  isEventOfType,
  loadCatalog,
  makeEvent,
  type EventCodec,
} from '@lethe/events';
import {
  createTestTopics,
  eventually,
  testKafka,
  testLogger,
  testServers,
  testTopicSpec,
  uniqueName,
} from '@lethe/test-harness';

import type { KafkaAdmin } from './admin';
import type { KafkaClient } from './client';
import { DLQ_HEADERS, type ConsumedRecord, type ConsumerRunner, type EventConsumerOptions } from './consumer';
import type { EventProducer } from './producer';
import { KafkaPortError } from './errors';

const activity = (subjectId: string, day: string) =>
  makeEvent(
    'AccountActivityRecorded',
    {
      subjectId,
      correlationId: uniqueName('corr'),
      producer: 'test',
      occurredAt: Date.parse(`${day}T00:00:00Z`),
    },
    { day, channel: 'web' },
  );

describe('the consumer runner against the real broker and registry', () => {
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let codec: EventCodec;
  let producer: EventProducer;
  const runners: ConsumerRunner[] = [];

  beforeAll(async () => {
    kafka = await testKafka();
    admin = kafka.admin;
    codec = createEventCodec({
      registry: createSchemaRegistry(testServers().registryUrl, {
        caFile: testServers().security.LETHE_TLS_CA_FILE,
      }),
      catalog: loadCatalog(),
    });
    producer = kafka.eventProducer(codec);
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  });
  afterAll(async () => {
    await kafka.close();
  });

  /** Starts a runner that decodes with the codec; afterEach stops it unless `track` is false. */
  async function start(
    topic: string,
    handle: EventConsumerOptions['handle'],
    options: Partial<EventConsumerOptions> & { track?: boolean } = {},
  ): Promise<ConsumerRunner> {
    const { track = true, ...overrides } = options;
    const runner = await kafka.runEventConsumer({
      codec,
      groupId: uniqueName('group'),
      topics: [topic],
      logger: testLogger(),
      handle,
      ...overrides,
    });
    if (track) runners.push(runner);
    return runner;
  }

  /** Reads every record of a topic from the start with a throwaway group. */
  async function readAll(topic: string, count: number) {
    const records: ConsumedRecord[] = [];
    // Raw records: dead-letter topics hold the original bytes, which need not decode.
    runners.push(
      await kafka.runConsumer({
        groupId: uniqueName('group'),
        topics: [topic],
        handle: async (record) => void records.push(record),
      }),
    );
    await eventually(
      async () => (records.length >= count ? true : undefined),
      20_000,
      `${count} records on ${topic}`,
    );
    return records;
  }

  it('round-trips events through the registry codec, keyed by subject, in order', async () => {
    const [topic] = await createTestTopics(admin, testTopicSpec('roundtrip', 3));
    const events = ['2026-11-01', '2026-11-02', '2026-11-03'].map((day) => activity('sub_roundtrip', day));
    await producer.publish(events.map((event) => ({ event, topic: topic! })));

    const seen: string[] = [];
    await start(topic!, async (event, record) => {
      expect(record.key?.toString()).toBe('sub_roundtrip');
      if (isEventOfType(event, 'AccountActivityRecorded')) seen.push(event.data.day);
    });

    await eventually(async () => (seen.length === 3 ? true : undefined), 20_000, 'three events');
    expect(seen).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
  });

  it('dead-letters a poison record with its cause and bytes, and goes on with the next', async () => {
    const [topic] = await createTestTopics(admin, testTopicSpec('poison'));
    const poison = Buffer.from('not avro at all');
    await kafka.send([{ topic: topic!, key: 'sub_p', value: poison }]);
    const good = activity('sub_p', '2026-11-05');
    await producer.publish([{ event: good, topic: topic! }]);

    const handled: string[] = [];
    await start(topic!, async (event) => void handled.push(event.envelope.eventId), {
      retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 20 },
    });

    await eventually(async () => (handled.length === 1 ? true : undefined), 20_000, 'the good record');
    expect(handled).toEqual([good.envelope.eventId]);

    const [dead] = await readAll(`${topic}.dlq`, 1);
    expect(dead!.value).toEqual(poison);
    expect(dead!.key?.toString()).toBe('sub_p');
    expect(dead!.headers[DLQ_HEADERS.cause]?.toString()).toMatch(/^EVENTS_NOT_WIRE_FORMAT/);
    // Not retriable: it went to the dead-letter topic on the first attempt.
    expect(dead!.headers[DLQ_HEADERS.attempts]?.toString()).toBe('1');
    expect(dead!.headers[DLQ_HEADERS.sourceOffset]?.toString()).toBe('0');
  });

  it('dead-letters a record at the size limit, and one too large for any copy as a reference', async () => {
    // A source topic that takes records larger than its dead-letter topic can: the biggest
    // record here cannot be copied, so the DLQ gets where it is and its digest instead.
    const [topic] = await createTestTopics(admin, {
      ...testTopicSpec('oversize'),
      config: { 'max.message.bytes': String(4 * 1024 * 1024) },
    });
    const nearLimit = Buffer.alloc(1_040_000, 1); // fits the default limit; its copy needs more
    const tooLarge = Buffer.alloc(3 * 1024 * 1024, 2); // fits the source topic, not the DLQ
    await kafka.send([{ topic: topic!, key: 'sub_big', value: nearLimit }]);
    await kafka.send([{ topic: topic!, key: 'sub_huge', value: tooLarge }]);
    const good = activity('sub_small', '2026-11-05');
    await producer.publish([{ event: good, topic: topic! }]);

    const handled: string[] = [];
    await start(topic!, async (event) => void handled.push(event.envelope.eventId));
    await eventually(async () => (handled.length === 1 ? true : undefined), 30_000, 'the record after them');
    expect(handled).toEqual([good.envelope.eventId]);

    const dead = await readAll(`${topic}.dlq`, 2);
    const copy = dead.find((record) => record.key?.toString() === 'sub_big')!;
    expect(copy.value?.equals(nearLimit)).toBe(true);
    const reference = dead.find((record) => record.key?.toString() === 'sub_huge')!;
    expect(reference.value).toBeNull();
    expect(reference.headers).toMatchObject({
      [DLQ_HEADERS.valueOmitted]: 'too-large',
      [DLQ_HEADERS.valueSha256]: createHash('sha256').update(tooLarge).digest('hex'),
      [DLQ_HEADERS.valueBytes]: String(tooLarge.length),
      [DLQ_HEADERS.sourceOffset]: '1',
    });
  });

  it('retries a retriable failure until it succeeds, never dead-letters it, and says it is stalled meanwhile', async () => {
    const [topic] = await createTestTopics(admin, testTopicSpec('retry'));
    const flaky = activity('sub_flaky', '2026-11-06');
    const outage = activity('sub_outage', '2026-11-07');
    const after = activity('sub_after', '2026-11-08');
    await producer.publish([flaky, outage, after].map((event) => ({ event, topic: topic! })));

    let storeUp = false; // the outage lasts until the test ends it
    const attempts = new Map<string, number>();
    const done: string[] = [];
    const store = async (_event: unknown, record: ConsumedRecord) => {
      const subject = record.key!.toString();
      const n = (attempts.get(subject) ?? 0) + 1;
      attempts.set(subject, n);
      if ((subject === 'sub_flaky' && n <= 2) || (subject === 'sub_outage' && !storeUp))
        throw new KafkaPortError('KAFKA_DEAD_LETTER_FAILED', 'store unavailable (test)', true);
      done.push(subject);
    };
    const runner = await start(topic!, store, {
      retry: { maxAttempts: 4, initialBackoffMs: 10, maxBackoffMs: 40 },
    });

    // Far past maxAttempts: held, in order, and reported as stalled; nothing dead-lettered.
    await eventually(async () => ((attempts.get('sub_outage') ?? 0) >= 12 ? true : undefined));
    expect(runner.stalled()).toBe(true);
    expect(done).toEqual(['sub_flaky']);
    expect(attempts.get('sub_flaky')).toBe(3);

    storeUp = true;
    await eventually(async () => (done.length === 3 ? true : undefined), 20_000, 'the held records');
    expect(done).toEqual(['sub_flaky', 'sub_outage', 'sub_after']);
    expect(runner.stalled()).toBe(false);
    expect((await admin.endOffsets(`${topic}.dlq`))[0]!.high).toBe(0);
  });

  it('commits only handled records: a new runner in the same group resumes after them', async () => {
    const [topic] = await createTestTopics(admin, testTopicSpec('resume'));
    const groupId = uniqueName('resume');
    const first = activity('sub_r', '2026-11-08');
    await producer.publish([{ event: first, topic: topic! }]);

    const seenByFirst: string[] = [];
    const runner = await start(topic!, async (event) => void seenByFirst.push(event.envelope.eventId), {
      groupId,
      track: false,
    });
    await eventually(async () => (seenByFirst.length === 1 ? true : undefined));
    await runner.stop();

    const second = activity('sub_r', '2026-11-09');
    await producer.publish([{ event: second, topic: topic! }]);
    const seenBySecond: string[] = [];
    await start(topic!, async (event) => void seenBySecond.push(event.envelope.eventId), {
      groupId,
    });
    await eventually(async () => (seenBySecond.length >= 1 ? true : undefined));
    expect(seenBySecond).toEqual([second.envelope.eventId]);
  });

  it('handles different keys of one partition at once, each key in order, and commits all of them', async () => {
    const [topic] = await createTestTopics(admin, testTopicSpec('keyed', 1));
    const groupId = uniqueName('keyed');
    const days = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'];
    const subjects = ['sub_k1', 'sub_k2', 'sub_k3', 'sub_k4', 'sub_k5', 'sub_k6'];
    // Interleaved: each subject's days in order, the subjects mixed in one partition.
    const events = days.flatMap((day) => subjects.map((subject) => activity(subject, day)));
    await producer.publish(events.map((event) => ({ event, topic: topic! })));

    const seen = new Map<string, string[]>();
    let running = 0;
    let mostAtOnce = 0;
    const runner = await start(
      topic!,
      async (event) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (isEventOfType(event, 'AccountActivityRecorded')) {
          const subject = event.envelope.subjectId!;
          seen.set(subject, [...(seen.get(subject) ?? []), event.data.day]);
        }
        running -= 1;
      },
      { groupId, track: false, keysConsumedConcurrently: 4 },
    );
    await eventually(
      async () => ([...seen.values()].flat().length === events.length ? true : undefined),
      20_000,
      'every record',
    );
    await runner.stop();

    for (const subject of subjects) expect(seen.get(subject)).toEqual(days);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(4);
    // Everything handled was committed: the group's offset is past the last record.
    expect((await admin.committedOffsets(groupId, topic!)).get(0)).toBe(events.length);
  });
});
