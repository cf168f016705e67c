import { BUILT_IN_PARTICIPANTS, type TopicSpec } from '@lethe/kafka';
import { deleteTestTopicsAndGroups, eventually, testKafka, uniqueName } from '@lethe/test-harness';

import { loadCliConfig } from './config';
import { deploymentTopics, formatTopicPlan } from './topics';

// Operators own the topics (issue 13): `lethe topics plan` lists every topic the system uses,
// each participant's task topic and every dead-letter topic among them, and says what apply
// would change, without changing anything.

const configWith = (env: Record<string, string>) => loadCliConfig({ ...process.env, ...env });

describe('lethe topics plan', () => {
  it('covers every task topic and dead-letter topic, in the production layout when asked', () => {
    const specs = deploymentTopics(configWith({ LETHE_TOPIC_LAYOUT: 'production' }));
    const names = new Set(specs.map((spec) => spec.name));
    for (const participantId of Object.values(BUILT_IN_PARTICIPANTS).flat()) {
      expect(names).toContain(`lethe.erasure.tasks.${participantId}.v1`);
      expect(names).toContain(`lethe.erasure.tasks.${participantId}.v1.dlq`);
    }
    for (const spec of specs.filter((s) => !s.name.endsWith('.dlq')))
      expect(names).toContain(`${spec.name}.dlq`);
    for (const spec of specs) {
      expect(spec.replicationFactor).toBe(3);
      expect(spec.config['min.insync.replicas']).toBe('2');
    }
    const external = deploymentTopics(configWith({ LETHE_KAFKA_PARTICIPANTS: 'crm=svc-crm' }));
    expect(external.map((spec) => spec.name)).toContain('lethe.erasure.tasks.crm.v1.dlq');
    expect(external.every((spec) => spec.replicationFactor === 1)).toBe(true);
  });

  it('shows what apply would create and change, keeps an operator override, and changes nothing', async () => {
    const prefix = uniqueName('plan');
    const config = configWith({ LETHE_TOPIC_PREFIX: prefix });
    const specs = deploymentTopics(config);
    const taskTopic = specs.find((spec) => spec.name === `${prefix}.lethe.erasure.tasks.key-vault.v1`)!;
    const kafka = await testKafka();
    try {
      // The task topic exists with a week's retention changed by hand and an operator's setting.
      const drifted: TopicSpec = {
        ...taskTopic,
        config: { ...taskTopic.config, 'retention.ms': '3600000', 'max.message.bytes': '2000000' },
      };
      await kafka.admin.applyTopics([drifted]);
      const ours = async () => (await kafka.admin.listTopics()).filter((name) => name.startsWith(prefix));
      expect(await ours()).toEqual([taskTopic.name]);

      const plan = await kafka.admin.planTopics(specs);
      expect(plan.create.map((spec) => spec.name).sort()).toEqual(
        specs
          .map((spec) => spec.name)
          .filter((name) => name !== taskTopic.name)
          .sort(),
      );
      expect(plan.reconfigure).toEqual([
        {
          spec: taskTopic,
          changes: [{ name: 'retention.ms', from: '3600000', to: taskTopic.config['retention.ms'] }],
          kept: [{ name: 'max.message.bytes', from: '2000000', to: '2000000' }],
        },
      ]);
      const printed = formatTopicPlan(plan);
      expect(printed).toContain(`+ ${prefix}.lethe.erasure.tasks.key-vault.v1.dlq`);
      expect(printed).toContain(`~ ${taskTopic.name}\n    retention.ms: 3600000 -> 604800000`);
      expect(printed).toContain("max.message.bytes: 2000000 (an operator's; kept)");
      expect(await ours()).toEqual([taskTopic.name]);

      await kafka.admin.applyTopicPlan(plan);
      // The broker applies a config change through its metadata log: a moment later, not at once.
      const settled = await eventually(async () => {
        const after = await kafka.admin.planTopics(specs);
        return after.reconfigure.length === 0 ? after : undefined;
      });
      expect(settled).toMatchObject({ create: [], reconfigure: [], repartition: [] });
    } finally {
      await deleteTestTopicsAndGroups(kafka.admin, prefix);
      await kafka.close();
    }
  });
});
