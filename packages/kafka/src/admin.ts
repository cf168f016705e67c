import type { Admin } from 'kafkajs';

import type { AclGrant } from './acl-matrix';
import { applyAcls } from './acls';
import { KafkaPortError } from './errors';
import { oneAtATime } from './one-at-a-time';
import {
  applyTopicPlan,
  applyTopics,
  planTopics,
  type ApplyResult,
  type TopicOwnership,
  type TopicPlan,
  type TopicSpec,
} from './topics';

export interface PartitionOffsets {
  readonly partition: number;
  /** The first offset still on the log. */
  readonly low: number;
  /** The offset the next record will get (the high watermark). */
  readonly high: number;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
}

/** The cluster operations Lethe uses, on the process's one admin connection. */
export interface KafkaAdmin {
  /** Creates what is missing and brings configs and partition counts up to the specs. */
  applyTopics(specs: readonly TopicSpec[]): Promise<ApplyResult>;
  /** What applyTopics would change, without changing anything (`lethe topics plan`). */
  planTopics(specs: readonly TopicSpec[]): Promise<TopicPlan>;
  applyTopicPlan(plan: TopicPlan): Promise<ApplyResult>;
  /**
   * The topics a service needs at start: applied where services manage their topics
   * (LETHE_MANAGE_TOPICS=true), otherwise only checked, failing with the names of those missing.
   */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  listTopics(): Promise<string[]>;
  /** The brokers the cluster says it has (a cheap way to see that one answers). */
  brokerCount(): Promise<number>;
  describeTopics(names: readonly string[]): Promise<TopicDescription[]>;
  deleteTopics(names: readonly string[]): Promise<void>;
  endOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** Per partition, the offset the group will read next; -1 where it has committed nothing. */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
  listGroups(): Promise<string[]>;
  /** Sets a group's committed offsets (the group must have no members): progress marks. */
  setGroupOffsets(groupId: string, topic: string, offsets: ReadonlyMap<number, number>): Promise<void>;
  /** Deletes each partition's records below the given offset (DeleteRecords). */
  deleteRecordsBefore(topic: string, offsets: ReadonlyMap<number, number>): Promise<void>;
  deleteGroups(groupIds: readonly string[]): Promise<void>;
  /** Allows what the grants say (needs a principal allowed to alter the cluster's ACLs). */
  applyAcls(grants: readonly AclGrant[]): Promise<number>;
}

export function createKafkaAdmin(admin: Admin, ownership: TopicOwnership): KafkaAdmin {
  // kafkajs' admin client keeps one metadata cache for all its calls: two calls at once can see
  // a refresh that lacks the other's topic (fetchTopicOffsets then fails inside kafkajs). The
  // process shares one admin, so its topic calls take turns; each is a round trip of a few ms.
  const inTurn = oneAtATime();
  return {
    applyTopics: (specs) => inTurn(() => applyTopics(admin, specs)),
    planTopics: (specs) => inTurn(() => planTopics(admin, specs)),
    applyTopicPlan: (plan) => inTurn(() => applyTopicPlan(admin, plan)),
    ensureTopics: (specs) =>
      inTurn(async () => {
        if (ownership.manage) {
          await applyTopics(admin, specs);
          return;
        }
        const existing = new Set(await admin.listTopics());
        const missing = specs.map((spec) => spec.name).filter((name) => !existing.has(name));
        if (missing.length > 0)
          throw new KafkaPortError(
            'KAFKA_TOPIC_MISSING',
            `topics ${missing.join(', ')} do not exist, and this service does not create topics ` +
              '(LETHE_MANAGE_TOPICS=false): an operator creates them with `lethe topics apply`',
            false,
          );
      }),
    listTopics: () => inTurn(() => admin.listTopics()),
    brokerCount: () => inTurn(async () => (await admin.describeCluster()).brokers.length),
    describeTopics: (names) =>
      inTurn(async () => {
        if (names.length === 0) return [];
        const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
        return topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.length }));
      }),
    deleteTopics: (names) =>
      inTurn(async () => {
        if (names.length > 0) await admin.deleteTopics({ topics: [...names] });
      }),
    endOffsets: (topic) =>
      inTurn(async () =>
        (await admin.fetchTopicOffsets(topic)).map((p) => ({
          partition: p.partition,
          low: Number(p.low),
          high: Number(p.high),
        })),
      ),
    // Group calls ask the group coordinator, not the topic metadata: they need no turn, and
    // the barriers poll them often.
    async committedOffsets(groupId, topic) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    },
    listGroups: async () => (await admin.listGroups()).groups.map((group) => group.groupId),
    async setGroupOffsets(groupId, topic, offsets) {
      await admin.setOffsets({
        groupId,
        topic,
        partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: String(offset) })),
      });
    },
    deleteRecordsBefore: (topic, offsets) =>
      inTurn(async () => {
        const partitions = [...offsets].map(([partition, offset]) => ({ partition, offset: String(offset) }));
        if (partitions.length > 0) await admin.deleteTopicRecords({ topic, partitions });
      }),
    async deleteGroups(groupIds) {
      if (groupIds.length > 0) await admin.deleteGroups([...groupIds]);
    },
    applyAcls: (grants) => applyAcls(admin, grants),
  };
}
