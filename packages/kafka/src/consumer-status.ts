// What a consumer group member has done and is doing, for /metrics and /readyz: records handled,
// retried and dead-lettered per topic, whether it has joined its group, stalled or crashed.
import type { Consumer } from 'kafkajs';

export interface TopicCounts {
  handled: number;
  retried: number;
  deadLettered: number;
}

export interface ConsumerStatus {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Joined its group at least once and has not left it since. */
  readonly joined: boolean;
  /** kafkajs gave up on it (a crash it does not restart from): the process must be restarted. */
  readonly crashed: boolean;
  /** A record has failed retriably maxAttempts times and is still being retried. */
  readonly stalled: boolean;
  /** Per topic since the process started. */
  readonly counts: Readonly<Record<string, Readonly<TopicCounts>>>;
}

/** The mutable side, kept by the consumer runner. */
export class ConsumerStatusTracker {
  joined = false;
  crashed = false;
  private readonly counts = new Map<string, TopicCounts>();

  constructor(
    readonly groupId: string,
    readonly topics: readonly string[],
    private readonly isStalled: () => boolean,
  ) {}

  count(topic: string, what: keyof TopicCounts): void {
    let counts = this.counts.get(topic);
    if (!counts) this.counts.set(topic, (counts = { handled: 0, retried: 0, deadLettered: 0 }));
    counts[what] += 1;
  }

  snapshot(): ConsumerStatus {
    return {
      groupId: this.groupId,
      topics: this.topics,
      joined: this.joined,
      crashed: this.crashed,
      stalled: this.isStalled(),
      counts: Object.fromEntries([...this.counts].map(([topic, counts]) => [topic, { ...counts }])),
    };
  }
}

/** A status whose membership (joined, left, crashed for good) follows the consumer's events. */
export function trackedStatus(
  consumer: Consumer,
  groupId: string,
  topics: readonly string[],
  isStalled: () => boolean,
): ConsumerStatusTracker {
  const status = new ConsumerStatusTracker(groupId, topics, isStalled);
  consumer.on(consumer.events.GROUP_JOIN, () => {
    status.joined = true;
  });
  consumer.on(consumer.events.STOP, () => {
    status.joined = false;
  });
  consumer.on(consumer.events.CRASH, (event) => {
    // kafkajs restarts the consumer itself after a retriable crash; otherwise it is gone.
    if (!event.payload.restart) status.crashed = true;
    status.joined = false;
  });
  return status;
}
