// What a service tells Prometheus at /metrics: HTTP latency by route and status, its consumers'
// lag, records handled, retried and dead-lettered per topic, stall and crash state, producer
// errors, the event loop and the process. Labels are route patterns, topics, groups and
// participant ids: never a subject id, a path as sent, or anything personal.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { KafkaClient } from '@lethe/kafka';

export interface ServiceMetrics {
  readonly registry: Registry;
  /** Called by the app for every answered request. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** A gauge whose value is read when Prometheus scrapes, not kept up to date by the code. */
export function gaugeOnScrape(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () =>
    | Promise<readonly { labels: Record<string, string>; value: number }[]>
    | readonly { labels: Record<string, string>; value: number }[],
): Gauge {
  return new Gauge({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    async collect() {
      this.reset();
      // A store or broker that does not answer leaves this metric without series (an alert on
      // its absence sees it) instead of failing the whole scrape.
      const values = await Promise.resolve(read()).catch(() => []);
      for (const { labels, value } of values) this.set(labels, value);
    },
  });
}

/** A histogram a service observes itself (durations of its own domain steps). */
export interface ObservedHistogram {
  observe(labels: Record<string, string>, value: number): void;
}

export function histogramIn(
  metrics: ServiceMetrics,
  definition: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[] },
): ObservedHistogram {
  const histogram = new Histogram({
    ...definition,
    labelNames: [...definition.labelNames],
    buckets: [...definition.buckets],
    registers: [metrics.registry],
  });
  return { observe: (labels, value) => histogram.observe(labels, value) };
}

/** Counts kept elsewhere (the Kafka client's), exposed as counters. */
function counterOnScrape(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => readonly { labels: Record<string, string>; value: number }[],
): Counter {
  return new Counter({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, value } of read()) this.inc(labels, value);
    },
  });
}

function kafkaMetrics(registry: Registry, kafka: KafkaClient): void {
  const statuses = () => kafka.consumerStatuses();
  gaugeOnScrape(
    registry,
    'lethe_kafka_consumer_lag',
    'Records on the log the consumer group has not committed, per partition.',
    ['group', 'topic', 'partition'],
    async () =>
      (await kafka.consumerLag()).map(({ groupId, topic, partition, lag }) => ({
        labels: { group: groupId, topic, partition: String(partition) },
        value: lag,
      })),
  );
  // What LetheDeadLettersWaiting watches: records waiting on each dead-letter topic of a topic
  // this process consumes (replayed or purged ones gone).
  gaugeOnScrape(
    registry,
    'lethe_kafka_dead_letter_records',
    'Records on the dead-letter topic, per dead-letter topic of a topic this process consumes.',
    ['topic'],
    async () =>
      (await kafka.deadLetterDepths()).map(({ topic, records }) => ({ labels: { topic }, value: records })),
  );
  const perTopic = (what: 'handled' | 'retried' | 'deadLettered') => () =>
    statuses().flatMap((status) =>
      Object.entries(status.counts).map(([topic, counts]) => ({
        labels: { group: status.groupId, topic },
        value: counts[what],
      })),
    );
  counterOnScrape(
    registry,
    'lethe_kafka_records_handled_total',
    'Records handled and committed.',
    ['group', 'topic'],
    perTopic('handled'),
  );
  counterOnScrape(
    registry,
    'lethe_kafka_records_retried_total',
    'Failed attempts that were retried (a dependency down).',
    ['group', 'topic'],
    perTopic('retried'),
  );
  counterOnScrape(
    registry,
    'lethe_kafka_records_dead_lettered_total',
    'Records sent to the dead-letter topic.',
    ['group', 'topic'],
    perTopic('deadLettered'),
  );
  const state = (what: 'joined' | 'stalled' | 'crashed') => () =>
    statuses().map((status) => ({ labels: { group: status.groupId }, value: status[what] ? 1 : 0 }));
  gaugeOnScrape(
    registry,
    'lethe_kafka_consumer_joined',
    '1 while the consumer is a member of its group.',
    ['group'],
    state('joined'),
  );
  gaugeOnScrape(
    registry,
    'lethe_kafka_consumer_stalled',
    '1 while a record keeps failing retriably and its partition is held (a dependency is down).',
    ['group'],
    state('stalled'),
  );
  gaugeOnScrape(
    registry,
    'lethe_kafka_consumer_crashed',
    '1 once the consumer has crashed for good.',
    ['group'],
    state('crashed'),
  );
  counterOnScrape(
    registry,
    'lethe_kafka_producer_errors_total',
    'Sends that failed after retries.',
    [],
    () => [{ labels: {}, value: kafka.producerErrors() }],
  );
}

/** The registry of one service: default process metrics, HTTP, and Kafka when given. */
export function createServiceMetrics(service: string, kafka?: KafkaClient): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // Process CPU, memory, file descriptors, GC, and the event loop's lag (nodejs_eventloop_lag_*).
  collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: 'lethe_http_request_duration_seconds',
    help: 'Time to answer a request, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  if (kafka) kafkaMetrics(registry, kafka);
  return {
    registry,
    observeRequest: (method, route, status, seconds) =>
      requests.observe({ method, route, status: String(status) }, seconds),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/** Scrapes of one registry collect its metrics together: one read shared by those in it. */
const SCRAPE_MS = 1_000;

function readOncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > SCRAPE_MS) last = { at: Date.now(), value: read() };
    return last.value;
  };
}

/** What /metrics reads of an event store: its outbox backlog and its due timers. */
export interface ObservedStreamStore {
  outboxBacklog(): Promise<{ commits: number; oldestAt: Date | null }>;
  countDueTimers(now: Date, upTo: number): Promise<number>;
}

/** Counted up to this many: enough to see timers pile up, bounded work per scrape. */
const DUE_TIMERS_COUNTED = 1_000;

/** Outbox backlog, its oldest commit's age, and the timers due, per event store. */
export function observeStreamStores(
  metrics: ServiceMetrics,
  stores: Record<string, ObservedStreamStore>,
  now: () => Date = () => new Date(),
): void {
  const each = async <T>(read: (store: ObservedStreamStore) => Promise<T>) =>
    Promise.all(Object.entries(stores).map(async ([name, store]) => ({ name, value: await read(store) })));
  // Two gauges read the backlog: one read per scrape serves both.
  const backlogs = readOncePerScrape(() => each((store) => store.outboxBacklog()));
  gaugeOnScrape(
    metrics.registry,
    'lethe_outbox_backlog',
    'Commits whose events are not yet on Kafka.',
    ['store'],
    async () =>
      (await backlogs()).map(({ name, value }) => ({
        labels: { store: name },
        value: value.commits,
      })),
  );
  gaugeOnScrape(
    metrics.registry,
    'lethe_outbox_oldest_age_seconds',
    'How long the oldest commit not yet on Kafka has waited (0 when none).',
    ['store'],
    async () =>
      (await backlogs()).map(({ name, value }) => ({
        labels: { store: name },
        value: value.oldestAt ? Math.max(0, (now().getTime() - value.oldestAt.getTime()) / 1000) : 0,
      })),
  );
  gaugeOnScrape(
    metrics.registry,
    'lethe_timers_due',
    `Streams whose timer is due and not yet handled (counted up to ${DUE_TIMERS_COUNTED}).`,
    ['store'],
    async () =>
      (await each((store) => store.countDueTimers(now(), DUE_TIMERS_COUNTED))).map(({ name, value }) => ({
        labels: { store: name },
        value,
      })),
  );
}
