import { ConfigResourceTypes, type Admin } from 'kafkajs';

import { eventually, testKafkaConnection, testLogger, uniqueName } from '@lethe/test-harness';

import { BUILT_IN_PARTICIPANTS } from './acl-matrix';
import { connectKafka } from './client';
import { KafkaPortError } from './errors';
import {
  applyTopics,
  letheTopics,
  LOCAL_LAYOUT,
  systemTopics,
  taskTopicSpec,
  type TopicSpec,
} from './topics';
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
    // A broker describes the controller's change a moment later (see the overrides test below).
    const retention = await eventually(
      async () => ((await retentionOf(name)) === '3600000' ? '3600000' : undefined),
      10_000,
      'the new retention to be described',
    ).catch(() => retentionOf(name));
    expect(retention).toBe('3600000');
    const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
    expect(topics[0]?.partitions).toHaveLength(2);

    const shrink = await applyTopics(admin, [spec(name, 1, '3600000')]);
    expect(shrink.warnings.join()).toContain('cannot remove partitions');
    await admin.deleteTopics({ topics: [name] });
  });

  it('a service that does not manage topics (LETHE_MANAGE_TOPICS=false) neither creates nor alters one', async () => {
    const present = uniqueName('owned');
    const missing = uniqueName('owned');
    await applyTopics(admin, [spec(present, 1, '86400000')]);
    const kafka = await connectKafka(
      {
        ...testKafkaConnection(),
        clientId: uniqueName('owned'),
        topics: { manage: false, layout: LOCAL_LAYOUT },
      },
      testLogger(),
    );
    try {
      // The operator's topic differs from what the service would want: it is left as it is.
      await kafka.admin.ensureTopics([spec(present, 2, '3600000')]);
      expect(await retentionOf(present)).toBe('86400000');
      const error = await kafka.admin.ensureTopics([spec(missing, 1, '3600000')]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KafkaPortError);
      expect(error).toMatchObject({ code: 'KAFKA_TOPIC_MISSING', retriable: false });
      expect((error as Error).message).toContain(missing);
      expect(await admin.listTopics()).not.toContain(missing);
    } finally {
      await kafka.close();
      await admin.deleteTopics({ topics: [present] });
    }
  });

  it("keeps an operator's overrides of configs the spec does not name when it reconciles the spec's", async () => {
    const name = uniqueName('topics');
    const configs = async () => {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms', 'max.message.bytes'] },
        ],
      });
      return Object.fromEntries(
        (described.resources[0]?.configEntries ?? []).map((entry) => [entry.configName, entry.configValue]),
      );
    };
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
    // Lethe reads a topic's overrides before it rewrites them (kafkajs has no
    // IncrementalAlterConfigs), so it keeps the operator's only once a broker describes it: the
    // controller has the change at once, the broker that answers describeConfigs a moment later.
    // A fresh-clone CI run reconciled inside that moment and lost the override (see topics.ts).
    await eventually(
      async () => ((await configs())['max.message.bytes'] === '2000000' ? true : undefined),
      10_000,
      "the operator's override to be described",
    );
    // A new release changes the spec's retention: it changes, and the operator's setting stays.
    expect((await applyTopics(admin, [spec(name, 1, '3600000')])).reconfigured).toEqual([name]);
    // The controller has the change; the broker that answers describeConfigs may show it a moment
    // later (a fresh-clone CI run read the old retention once).
    const values = await eventually(
      async () => {
        const now = await configs();
        return now['retention.ms'] === '3600000' ? now : undefined;
      },
      10_000,
      'the new retention to be described',
    ).catch(configs);
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

  it('the running system made no topic outside the specs operators apply (`lethe topics plan`)', async () => {
    const planned = new Set(
      systemTopics(LOCAL_LAYOUT, Object.values(BUILT_IN_PARTICIPANTS).flat()).map((topic) => topic.name),
    );
    const made = (await admin.listTopics()).filter((name) => name.startsWith('lethe.'));
    expect(made.filter((name) => !planned.has(name))).toEqual([]);
  });

  it('refuses a participant id that would make a bad topic name', () => {
    expect(() => taskTopicSpec('Bad Id!')).toThrow(/lowercase/);
    expect(taskTopicSpec('redis-cache').name).toBe('lethe.erasure.tasks.redis-cache.v1');
  });
});
