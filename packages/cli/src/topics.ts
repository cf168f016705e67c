// `lethe topics list | plan | apply`: the operator's view of every topic the system uses.
import { deploymentTopicSpecs, letheAclMatrix, type TopicPlan, type TopicSpec } from '@lethe/kafka';

import type { CliConfig } from './config';
import { withKafka } from './kafka-session';

/** Every topic, named as this deployment names it (LETHE_TOPIC_PREFIX), in the configured layout. */
export function deploymentTopics(config: CliConfig): TopicSpec[] {
  return deploymentTopicSpecs(config.kafka.topics!.layout, config.acls);
}

export function formatTopicSpecs(specs: readonly TopicSpec[]): string {
  return specs
    .map((spec) => {
      const configs = Object.entries(spec.config)
        .map(([key, value]) => `${key}=${value}`)
        .join(' ');
      return `${spec.name}  partitions=${spec.partitions} replicas=${spec.replicationFactor}\n  ${spec.purpose}\n  ${configs}`;
    })
    .join('\n');
}

/** The plan as an operator reads it: `+` create, `~` change, `=` kept, `!` cannot fix. */
export function formatTopicPlan(plan: TopicPlan): string {
  const lines: string[] = [];
  for (const spec of plan.create) {
    const configs = Object.entries(spec.config).map(([name, value]) => `${name}=${value}`);
    lines.push(
      `+ ${spec.name}  partitions=${spec.partitions} replicas=${spec.replicationFactor} ${configs.join(' ')}`,
    );
  }
  for (const { spec, changes, kept } of plan.reconfigure) {
    lines.push(`~ ${spec.name}`);
    for (const change of changes)
      lines.push(`    ${change.name}: ${change.from ?? '(default)'} -> ${change.to}`);
    for (const change of kept) lines.push(`    ${change.name}: ${change.from} (an operator's; kept)`);
  }
  for (const { spec, from } of plan.repartition) {
    lines.push(`~ ${spec.name}\n    partitions: ${from} -> ${spec.partitions}`);
  }
  for (const warning of plan.warnings) lines.push(`! ${warning}`);
  const changes = plan.create.length + plan.reconfigure.length + plan.repartition.length;
  lines.push(
    `plan: ${plan.create.length} to create, ${plan.reconfigure.length} to reconfigure, ` +
      `${plan.repartition.length} to repartition, ${plan.unchanged.length} unchanged` +
      (changes === 0 ? ' (nothing to apply)' : ' (lethe topics apply applies it)'),
  );
  return lines.join('\n');
}

/** Prints the difference between the cluster and the specs; exit 0 when there is none. */
export async function topicsPlan(config: CliConfig): Promise<number> {
  return withKafka(config, { clientId: 'lethe-cli' }, async (kafka) => {
    const plan = await kafka.admin.planTopics(deploymentTopics(config));
    console.log(formatTopicPlan(plan));
    const pending = plan.create.length + plan.reconfigure.length + plan.repartition.length;
    return pending === 0 ? 0 : 3;
  });
}

export async function topicsApply(config: CliConfig): Promise<number> {
  return withKafka(config, { clientId: 'lethe-cli' }, async (kafka) => {
    const plan = await kafka.admin.planTopics(deploymentTopics(config));
    const result = await kafka.admin.applyTopicPlan(plan);
    console.log(
      `topics: ${result.created.length} created, ${result.reconfigured.length} reconfigured, ` +
        `${result.repartitioned.length} repartitioned, ${result.unchanged.length} unchanged`,
    );
    for (const warning of result.warnings) console.warn(`warning: ${warning}`);
    const acls = await kafka.admin.applyAcls(letheAclMatrix(config.acls));
    console.log(`acls: ${acls} applied (lethe kafka acls prints them)`);
    return 0;
  });
}
