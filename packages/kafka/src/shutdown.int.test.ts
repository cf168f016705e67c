import { spawn } from 'node:child_process';
import path from 'node:path';

import type { Admin } from 'kafkajs';

import { createTestTopics, eventually, testTopicSpec, uniqueName } from '@lethe/test-harness';
import { createKafkaAdmin } from './admin';
import { LOCAL_LAYOUT } from './topics';
import { rawTestKafka } from './test-kafkajs';

const PROCESS = path.resolve(__dirname, '..', 'test', 'slow-consumer-process.ts');

describe('graceful shutdown on SIGTERM', () => {
  it('finishes and commits the record in hand, then exits 0', async () => {
    const admin = rawTestKafka().admin();
    await admin.connect();
    try {
      await shutdownScenario(admin);
    } finally {
      await admin.disconnect();
    }
  });
});

async function shutdownScenario(admin: Admin) {
  const [topic] = await createTestTopics(
    createKafkaAdmin(admin, { manage: true, layout: LOCAL_LAYOUT }),
    testTopicSpec('shutdown'),
  );
  const groupId = uniqueName('shutdown');
  const producer = rawTestKafka().producer();
  await producer.connect();
  await producer.send({ topic: topic!, messages: [{ key: 'sub_s', value: 'one' }] });
  await producer.disconnect();

  const child = spawn(
    process.execPath,
    ['--conditions=lethe-source', '--import', 'tsx', PROCESS, topic!, groupId],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

  await eventually(
    async () => (output.includes('handling 0') ? true : undefined),
    30_000,
    'the record in hand',
  );
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output).toContain('done 0');

  const offsets = await admin.fetchOffsets({ groupId, topics: [topic!] });
  expect(offsets[0]?.partitions[0]?.offset).toBe('1');
}
