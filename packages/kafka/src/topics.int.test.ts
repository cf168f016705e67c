import { ConfigResourceTypes, type Admin } from 'kafkajs';

import { uniqueName } from '@lethe/test-harness';

import { applyTopics, letheTopics, taskTopicSpec, type TopicSpec } from './topics';
import { rawTestKafka } from './test-kafkajs';

describe('applyTopics against the real broker', () => {
  let admin: Admin;
  beforeAll(async () => {
    admin = rawTestKafka().admin();
    await admin.connect();
  });
  afterAll(() => admin.disconnect());

  const spec = (name: string, partitions: number, retention: string): TopicSpec => ({
    name,
    partitions,
    replicationFactor: 1,
    config: { 'cleanup.policy': 'delete', 'retention.ms': retention },
    purpose: 'test',
  });

  async function retentionOf(name: string) {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] }],
    });
    return described.resources[0]?.configEntries[0]?.configValue;
  }

  it('creates, then leaves alone, then reconciles config and partitions', async () => {
    const name = uniqueName('topics');

    const first = await applyTopics(admin, [spec(name, 1, '86400000')]);
    expect(first.created).toEqual([name]);

    const second = await applyTopics(admin, [spec(name, 1, '86400000')]);
    expect(second).toMatchObject({ created: [], reconfigured: [], repartitioned: [], unchanged: [name] });

    const third = await applyTopics(admin, [spec(name, 2, '3600000')]);
    expect(third).toMatchObject({ reconfigured: [name], repartitioned: [name] });
    expect(await retentionOf(name)).toBe('3600000');
    const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
    expect(topics[0]?.partitions).toHaveLength(2);

    const shrink = await applyTopics(admin, [spec(name, 1, '3600000')]);
    expect(shrink.warnings.join()).toContain('cannot remove partitions');
  });

  it("keeps an operator's overrides of configs the spec does not name when it reconciles the spec's", async () => {
    const name = uniqueName('topics');
    await applyTopics(admin, [spec(name, 1, '86400000')]);
    // An operator tunes a config Lethe does not own (kafka-configs --alter --add-config).
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name,
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: '86400000' },
            { name: 'max.message.bytes', value: '2000000' },
          ],
        },
      ],
    });
    // A new release changes the spec's retention: it changes, and the operator's setting stays.
    expect((await applyTopics(admin, [spec(name, 1, '3600000')])).reconfigured).toEqual([name]);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms', 'max.message.bytes'] },
      ],
    });
    const values = Object.fromEntries(
      (described.resources[0]?.configEntries ?? []).map((entry) => [entry.configName, entry.configValue]),
    );
    expect(values).toEqual({ 'retention.ms': '3600000', 'max.message.bytes': '2000000' });
    await admin.deleteTopics({ topics: [name] });
  });

  it('has applied every topic of the design, each with its dead-letter topic (global setup)', async () => {
    const existing = new Set(await admin.listTopics());
    for (const topic of letheTopics()) expect(existing).toContain(topic.name);
    expect(existing).toContain('lethe.account.events.v1.dlq');
    const again = await applyTopics(admin, letheTopics());
    expect(again.created).toEqual([]);
    expect(again.reconfigured).toEqual([]);
  });

  it('refuses a participant id that would make a bad topic name', () => {
    expect(() => taskTopicSpec('Bad Id!')).toThrow(/lowercase/);
    expect(taskTopicSpec('redis-cache').name).toBe('lethe.erasure.tasks.redis-cache.v1');
  });
});
