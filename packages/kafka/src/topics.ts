import type { Admin, ITopicConfig } from 'kafkajs';
import { ConfigResourceTypes, ConfigSource } from 'kafkajs';

import { isRetriable, KafkaPortError } from './errors';

/** A topic as code: name, partitions, replicas and the configs Lethe relies on. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly config: Readonly<Record<string, string>>;
  /** Why the topic exists and what its config guarantees, for SREs reading `lethe topics`. */
  readonly purpose: string;
}

export interface TopicLayout {
  /** Partitions of subject-keyed topics: the unit of consumer parallelism. */
  partitions: number;
  /** 1 on the local single broker; 3 in production. */
  replicationFactor: number;
}

export const LOCAL_LAYOUT: TopicLayout = { partitions: 3, replicationFactor: 1 };
/** Three brokers or more: every record on 3 of them, an acked write on 2 (min.insync.replicas). */
export const PRODUCTION_LAYOUT: TopicLayout = { partitions: 6, replicationFactor: 3 };
export const TOPIC_LAYOUTS = { local: LOCAL_LAYOUT, production: PRODUCTION_LAYOUT } as const;
export type TopicLayoutName = keyof typeof TOPIC_LAYOUTS;

/** Who creates and reconfigures topics, and to what shape. */
export interface TopicOwnership {
  /**
   * Whether a service creates and reconciles the topics it needs (its dead-letter topics, a
   * participant's task topic) at start. Locally yes; in production operators own every topic
   * (`lethe topics plan` / `apply`) and a service only checks that its topics exist.
   */
  readonly manage: boolean;
  readonly layout: TopicLayout;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const FOREVER = { 'retention.ms': '-1', 'retention.bytes': '-1' };

/**
 * How long a record can outlive its production on the ingest topic: the retention, plus one
 * segment (Kafka deletes whole segments once their newest record is past retention). Sealed
 * copies of personal fields there are not reached by crypto-shredding, so erasure certificates
 * state this bound.
 */
export const INGEST_RETENTION = { retentionMs: 7 * DAY_MS, segmentMs: DAY_MS } as const;
export const INGEST_COPY_LIFETIME_MS = INGEST_RETENTION.retentionMs + INGEST_RETENTION.segmentMs;
const ACCESS_RETENTION_MS = 30 * DAY_MS;
const DEAD_LETTER_RETENTION = { retentionMs: 30 * DAY_MS, segmentMs: DAY_MS } as const;
/** The same bound for dead letters, which keep the original bytes. */
export const DEAD_LETTER_COPY_LIFETIME_MS =
  DEAD_LETTER_RETENTION.retentionMs + DEAD_LETTER_RETENTION.segmentMs;

// With 3 replicas an acked write survives a broker loss only if 2 of them have it.
const durability = (layout: TopicLayout) => ({
  'min.insync.replicas': String(Math.min(2, layout.replicationFactor)),
});

/** The topics of DESIGN.md section 2 that exist from the start. */
export function letheTopics(layout: TopicLayout = LOCAL_LAYOUT): TopicSpec[] {
  const keyed = (name: string, purpose: string, config: Record<string, string>): TopicSpec => ({
    name,
    partitions: layout.partitions,
    replicationFactor: layout.replicationFactor,
    config: { 'cleanup.policy': 'delete', ...durability(layout), ...config },
    purpose,
  });
  const base: TopicSpec[] = [
    keyed('lethe.account.events.v1', 'The account log of record; personal fields are ciphertext.', FOREVER),
    keyed('lethe.account.ingest.v1', 'Account events from other services, validated then folded.', {
      'retention.ms': String(INGEST_RETENTION.retentionMs),
      'segment.ms': String(INGEST_RETENTION.segmentMs),
    }),
    keyed('lethe.consent.events.v1', 'Every consent grant and withdrawal, with its proof.', FOREVER),
    keyed('lethe.retention.events.v1', 'Retention clocks, expiries, legal holds, policy versions.', FOREVER),
    keyed('lethe.erasure.events.v1', 'Erasure requests from request to certificate.', FOREVER),
    // Participants answer here, not on the erasure log, which only the erasure service writes:
    // it copies each answer it accepts onto the log. A week covers any outage of the service.
    keyed('lethe.erasure.answers.v1', "The participants' answers to their erasure tasks.", {
      'retention.ms': String(7 * DAY_MS),
    }),
    // Reads of personal data. The audit ledger keeps each for good; the topic only has to
    // hold a read until the audit service has ledgered it.
    keyed('lethe.access.events.v1', 'Every answer that carried personal data: who, what, why.', {
      'retention.ms': String(ACCESS_RETENTION_MS),
    }),
    {
      name: 'lethe.erasure.participants.v1',
      partitions: 1,
      replicationFactor: layout.replicationFactor,
      // Compacted: the latest registration per participant. The lag and segment settings make
      // compaction actually run within an hour, so a stale registration does not linger.
      config: {
        'cleanup.policy': 'compact',
        'min.compaction.lag.ms': '0',
        'max.compaction.lag.ms': String(60 * 60 * 1000),
        'segment.ms': String(60 * 60 * 1000),
        'min.cleanable.dirty.ratio': '0.1',
        'delete.retention.ms': String(DAY_MS),
        ...durability(layout),
      },
      purpose: 'Who takes part in erasure: one compacted record per participant.',
    },
    {
      name: 'lethe.audit.ledger.v1',
      partitions: 1, // one partition: the hash chain has one order
      replicationFactor: layout.replicationFactor,
      config: { 'cleanup.policy': 'delete', ...FOREVER, ...durability(layout) },
      purpose: 'The hash-chained audit ledger with signed checkpoints.',
    },
  ];
  return [...base, ...base.map((spec) => deadLetterTopicSpec(spec.name, layout))];
}

/** The work items of one erasure participant; its consumer lag is its backlog. */
export function taskTopicSpec(participantId: string, layout: TopicLayout = LOCAL_LAYOUT): TopicSpec {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(participantId)) {
    throw new KafkaPortError(
      'KAFKA_TOPIC_SPEC_INVALID',
      `participant id ${JSON.stringify(participantId)} must be lowercase letters, digits and dashes`,
      false,
    );
  }
  return {
    name: `lethe.erasure.tasks.${participantId}.v1`,
    partitions: layout.partitions,
    replicationFactor: layout.replicationFactor,
    config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS), ...durability(layout) },
    purpose: `Erasure tasks for participant ${participantId}.`,
  };
}

/**
 * Every topic the system uses: the design's topics, each participant's task topic, and a
 * dead-letter topic for each (every one of them has a consumer). What `lethe topics plan`
 * compares the cluster with, so operators can own all of them.
 */
export function systemTopics(layout: TopicLayout, participantIds: readonly string[]): TopicSpec[] {
  const tasks = [...new Set(participantIds)].sort().map((id) => taskTopicSpec(id, layout));
  return [...letheTopics(layout), ...tasks, ...tasks.map((spec) => deadLetterTopicSpec(spec.name, layout))];
}

export const DEAD_LETTER_SUFFIX = '.dlq';

export function deadLetterTopicName(sourceTopic: string): string {
  return `${sourceTopic}${DEAD_LETTER_SUFFIX}`;
}

/** Twice the broker's default message.max.bytes (1 MiB + 12 bytes). */
export const DEAD_LETTER_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

/** Records a consumer of `sourceTopic` could not process: original bytes, cause, attempts. */
export function deadLetterTopicSpec(sourceTopic: string, layout: TopicLayout = LOCAL_LAYOUT): TopicSpec {
  return {
    name: deadLetterTopicName(sourceTopic),
    partitions: 1,
    replicationFactor: layout.replicationFactor,
    config: {
      'cleanup.policy': 'delete',
      'retention.ms': String(DEAD_LETTER_RETENTION.retentionMs),
      'segment.ms': String(DEAD_LETTER_RETENTION.segmentMs),
      // Room for a source record at the broker's default limit plus the dead-letter headers;
      // a copy larger still is replaced by a reference (see the consumer runner).
      'max.message.bytes': String(DEAD_LETTER_MAX_MESSAGE_BYTES),
      ...durability(layout),
    },
    purpose: `Dead letters of ${sourceTopic}.`,
  };
}

const LEADER_WAIT_MS = 30_000;

async function waitForLeaders(admin: Admin, names: string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      const ready = topics.every(
        (topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0),
      );
      if (ready && topics.length === names.length) return;
    } catch (error) {
      if (!isRetriable(error)) throw error;
    }
    if (Date.now() > deadline) {
      throw new KafkaPortError(
        'KAFKA_TOPIC_NOT_READY',
        `topics ${names.join(', ')} have no leaders after ${LEADER_WAIT_MS} ms`,
        true,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One config the spec sets to another value than the topic has (`from` null: not set). */
export interface ConfigChange {
  readonly name: string;
  readonly from: string | null;
  readonly to: string;
}

/** What applying the specs would change, topic by topic; computed without changing anything. */
export interface TopicPlan {
  readonly create: TopicSpec[];
  readonly reconfigure: {
    spec: TopicSpec;
    changes: ConfigChange[];
    /** Overrides an operator set of configs the spec does not name: kept as they are. */
    kept: ConfigChange[];
  }[];
  readonly repartition: { spec: TopicSpec; from: number }[];
  readonly unchanged: string[];
  /** Differences applying does not fix (fewer partitions, other replication). */
  readonly warnings: string[];
}

export interface ApplyResult {
  created: string[];
  reconfigured: string[];
  repartitioned: string[];
  unchanged: string[];
  /** Differences this command does not fix by itself (fewer partitions, other replication). */
  warnings: string[];
}

/** Compares the cluster with the specs: what is missing, which configs differ, what is short. */
export async function planTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicPlan> {
  const existing = new Set(await admin.listTopics());
  const plan: TopicPlan = {
    create: specs.filter((spec) => !existing.has(spec.name)),
    reconfigure: [],
    repartition: [],
    unchanged: [],
    warnings: [],
  };
  const present = specs.filter((spec) => existing.has(spec.name));
  if (present.length === 0) return plan;
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.name) });
  // Every config of each topic: the spec's, and the overrides an operator set beside them.
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((spec) => ({ type: ConfigResourceTypes.TOPIC, name: spec.name })),
  });
  for (const spec of present) {
    let changed = false;
    const entries = described.resources.find((r) => r.resourceName === spec.name)?.configEntries ?? [];
    const actual = new Map(entries.map((entry) => [entry.configName, entry.configValue]));
    const changes = Object.entries(spec.config)
      .filter(([name, value]) => actual.get(name) !== value)
      .map(([name, to]) => ({ name, from: actual.get(name) ?? null, to }));
    if (changes.length > 0) {
      const kept = entries
        .filter(
          (entry) => entry.configSource === ConfigSource.TOPIC_CONFIG && !(entry.configName in spec.config),
        )
        .map((entry) => ({ name: entry.configName, from: entry.configValue, to: entry.configValue }));
      plan.reconfigure.push({ spec, changes, kept });
      changed = true;
    }
    const topic = metadata.find((t) => t.name === spec.name);
    const partitions = topic?.partitions.length ?? 0;
    if (partitions < spec.partitions) {
      plan.repartition.push({ spec, from: partitions });
      changed = true;
    } else if (partitions > spec.partitions) {
      plan.warnings.push(
        `${spec.name} has ${partitions} partitions, the spec ${spec.partitions}; Kafka cannot remove partitions`,
      );
    }
    const replicas = topic?.partitions[0]?.replicas.length ?? 0;
    if (replicas !== spec.replicationFactor) {
      plan.warnings.push(
        `${spec.name} has ${replicas} replicas, the spec ${spec.replicationFactor}; reassign partitions to change it`,
      );
    }
    if (!changed) plan.unchanged.push(spec.name);
  }
  return plan;
}

/** Carries out a plan: creates, reconfigures, adds partitions. Never deletes or shrinks. */
export async function applyTopicPlan(admin: Admin, plan: TopicPlan): Promise<ApplyResult> {
  if (plan.create.length > 0) {
    const topics: ITopicConfig[] = plan.create.map((spec) => ({
      topic: spec.name,
      numPartitions: spec.partitions,
      replicationFactor: spec.replicationFactor,
      configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
    }));
    // kafkajs' own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker
    // answers until the new topic's metadata has spread; our wait treats it as "not yet".
    await admin.createTopics({ topics, waitForLeaders: false });
    await waitForLeaders(
      admin,
      plan.create.map((spec) => spec.name),
    );
  }
  for (const { spec, kept } of plan.reconfigure) {
    // AlterConfigs replaces all of a topic's overrides (kafkajs has no IncrementalAlterConfigs):
    // the overrides of configs the spec does not name (an operator's min.insync.replicas, say)
    // are sent again as they are, so only the spec's own configs change. Known window: an override
    // set in the moment before a broker describes it (KRaft brokers apply config changes from the
    // metadata log a little after the controller) is not seen and is dropped; the cure is
    // IncrementalAlterConfigs (KIP-339), which kafkajs lacks (tulios/kafkajs#1517).
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: spec.name,
          configEntries: [
            ...Object.entries(spec.config).map(([name, value]) => ({ name, value })),
            ...kept.map(({ name, to }) => ({ name, value: to })),
          ],
        },
      ],
    });
  }
  for (const { spec } of plan.repartition) {
    await admin.createPartitions({ topicPartitions: [{ topic: spec.name, count: spec.partitions }] });
  }
  return {
    created: plan.create.map((spec) => spec.name),
    reconfigured: plan.reconfigure.map(({ spec }) => spec.name),
    repartitioned: plan.repartition.map(({ spec }) => spec.name),
    unchanged: [...plan.unchanged],
    warnings: [...plan.warnings],
  };
}

/**
 * Makes the cluster match the specs, idempotently: creates missing topics, sets configs that
 * differ, adds partitions. It never deletes a topic or shrinks one (Kafka cannot), and says so.
 */
export async function applyTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<ApplyResult> {
  return applyTopicPlan(admin, await planTopics(admin, specs));
}
