import { execFile } from 'node:child_process';
import path from 'node:path';

import { KafkaPortError, type KafkaClient } from '@lethe/kafka';
import { deleteTestTopicsAndGroups, eventually, testKafka, uniqueName } from '@lethe/test-harness';

// `lethe dlq` as an operator runs it (issue 13): a consumer dead-letters records it cannot take;
// list shows the topic, depth and cause; show prints headers, never the value; once the cause is
// fixed, replay sends them back and the consumer takes them; a second replay sends nothing;
// purge empties the topic.

const MAIN = path.resolve(__dirname, 'main.ts');

describe('lethe dlq', () => {
  let kafka: KafkaClient;
  const prefix = uniqueName('dlq');
  const source = `${prefix}.lethe.consent.events.v1`;
  const deadLetters = `${source}.dlq`;
  // Asynchronous on purpose: the consumer under test lives in this process, and a CLI run that
  // blocked the event loop (spawnSync) for longer than its 15 s session got it evicted from its
  // group mid-test on a loaded machine, so the replayed records arrived after the wait ended.
  const cli = (...args: string[]) =>
    new Promise<{ status: number | null; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--conditions=lethe-source', '--import', 'tsx', MAIN, 'dlq', ...args],
        { encoding: 'utf8', env: { ...process.env, LETHE_TOPIC_PREFIX: prefix }, timeout: 120_000 },
        (error, stdout, stderr) => {
          const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
          resolve({ status, out: stdout, err: stderr });
        },
      );
    });

  beforeAll(async () => {
    kafka = await testKafka();
  });
  afterAll(async () => {
    await deleteTestTopicsAndGroups(kafka.admin, prefix);
    await kafka.close();
  });

  it('lists, shows, replays once, and purges dead letters', async () => {
    await kafka.admin.applyTopics([
      { name: source, partitions: 1, replicationFactor: 1, config: {}, purpose: 'test' },
    ]);
    let fixed = false;
    const handled: string[] = [];
    const consumer = await kafka.runConsumer({
      groupId: `${prefix}.consumer`,
      topics: [source],
      handle: async (record) => {
        const value = record.value!.toString();
        if (value.startsWith('secret-') && !fixed)
          throw new KafkaPortError(
            'KAFKA_RECORD_WITHOUT_VALUE',
            'the handler refuses it (a bug, fixed later)',
            false,
          );
        handled.push(value);
      },
    });
    try {
      await kafka.send([
        {
          topic: source,
          key: 'sub_dlq_1',
          value: Buffer.from('secret-one'),
          headers: { 'lethe.event-id': 'e1' },
        },
        { topic: source, key: 'sub_dlq_2', value: Buffer.from('secret-two') },
        { topic: source, key: 'sub_dlq_3', value: Buffer.from('fine') },
      ]);
      await eventually(async () =>
        (await kafka.deadLetterDepths()).at(0)?.records === 2 ? true : undefined,
      );

      const listed = await cli('list');
      expect(listed.status).toBe(0);
      expect(listed.out).toContain(`${deadLetters}  records=2  oldest=`);
      expect(listed.out).toContain(
        '2 x KAFKA_RECORD_WITHOUT_VALUE: the handler refuses it (a bug, fixed later)',
      );

      const shown = await cli('show', deadLetters, '--limit', '1');
      expect(shown.status).toBe(0);
      const [letter] = shown.out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(letter).toMatchObject({ partition: 0, offset: 0, key: 'sub_dlq_1', valueBytes: 10 });
      expect(letter!.headers).toMatchObject({
        'lethe.dlq.source-topic': source,
        'lethe.dlq.source-offset': '0',
      });
      expect(shown.out).not.toContain('secret-one');

      fixed = true;
      const replayed = await cli('replay', deadLetters);
      expect(replayed.out).toContain('replayed 2 to their source topics; 0 had been replayed before');
      await eventually(async () =>
        handled.includes('secret-one') && handled.includes('secret-two') ? true : undefined,
      );
      expect((await cli('replay', deadLetters)).out).toContain(
        'replayed 0 to their source topics; 2 had been replayed before',
      );
      expect(handled.filter((value) => value.startsWith('secret-'))).toHaveLength(2);

      expect((await cli('purge', deadLetters)).status).toBe(2); // not a terminal, no --yes: nothing purged
      expect((await cli('purge', deadLetters, '--yes')).out).toContain(
        `purged 2 records from ${deadLetters}`,
      );
      expect((await cli('list')).out).toContain('dlq: 0 of 1 dead-letter topics hold records');
    } finally {
      await consumer.stop();
    }
  }, 360_000);
});
