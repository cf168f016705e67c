import type { Admin } from 'kafkajs';

import { applyTopics, type ApplyResult, type TopicSpec } from './topics';

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
  listTopics(): Promise<string[]>;
  describeTopics(names: readonly string[]): Promise<TopicDescription[]>;
  deleteTopics(names: readonly string[]): Promise<void>;
  endOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** Per partition, the offset the group will read next; -1 where it has committed nothing. */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
  listGroups(): Promise<string[]>;
  deleteGroups(groupIds: readonly string[]): Promise<void>;
}

export function createKafkaAdmin(admin: Admin): KafkaAdmin {
  return {
    applyTopics: (specs) => applyTopics(admin, specs),
    listTopics: () => admin.listTopics(),
    async describeTopics(names) {
      if (names.length === 0) return [];
      const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
      return topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.length }));
    },
    async deleteTopics(names) {
      if (names.length > 0) await admin.deleteTopics({ topics: [...names] });
    },
    async endOffsets(topic) {
      return (await admin.fetchTopicOffsets(topic)).map((p) => ({
        partition: p.partition,
        low: Number(p.low),
        high: Number(p.high),
      }));
    },
    async committedOffsets(groupId, topic) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    },
    async listGroups() {
      return (await admin.listGroups()).groups.map((group) => group.groupId);
    },
    async deleteGroups(groupIds) {
      if (groupIds.length > 0) await admin.deleteGroups([...groupIds]);
    },
  };
}
