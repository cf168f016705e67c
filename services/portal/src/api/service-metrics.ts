import { serviceFetch } from '@lethe/service-kit';

// Task lag and dead letters as the services export them on /metrics (what Prometheus scrapes):
// the console reads the same numbers rather than keeping its own Kafka clients.

export interface TaskQueues {
  /** Records not yet taken from each participant's task topic, by participant id. */
  readonly lag: ReadonlyMap<string, number>;
  /** Records waiting on each dead-letter topic. */
  readonly deadLetters: readonly { readonly topic: string; readonly records: number }[];
  /** Services whose /metrics did not answer (their numbers are missing above). */
  readonly unreachable: readonly string[];
}

const SAMPLE = /^(lethe_kafka_consumer_lag|lethe_kafka_dead_letter_records)\{([^}]*)\} (\S+)$/;
const TASK_TOPIC = /^(?:.*\.)?lethe\.erasure\.tasks\.([a-z0-9-]+)\.v1$/;

function labelsOf(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, key, value] of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
  return labels;
}

export function serviceMetrics(serviceUrls: Readonly<Record<string, string>>, caFile: string | undefined) {
  const fetch = serviceFetch(caFile);
  return async function taskQueues(): Promise<TaskQueues> {
    // Every instance reports its group's whole lag: the same partition once, at its largest.
    const partitionLag = new Map<string, { participant: string; records: number }>();
    const deadLetters = new Map<string, number>();
    const unreachable: string[] = [];
    await Promise.all(
      Object.entries(serviceUrls).map(async ([service, url]) => {
        const answer = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3_000) }).catch(
          () => undefined,
        );
        if (!answer?.ok) {
          unreachable.push(service);
          return;
        }
        for (const line of (await answer.text()).split('\n')) {
          const [, metric, labelText, value] = SAMPLE.exec(line) ?? [];
          if (!metric || labelText === undefined) continue;
          const labels = labelsOf(labelText);
          const records = Number(value);
          if (metric === 'lethe_kafka_dead_letter_records' && labels.topic) {
            deadLetters.set(labels.topic, Math.max(deadLetters.get(labels.topic) ?? 0, records));
            continue;
          }
          const participant = TASK_TOPIC.exec(labels.topic ?? '')?.[1];
          if (!participant || !labels.group?.endsWith(`participant.${participant}`)) continue;
          const key = `${labels.topic}:${labels.partition}`;
          partitionLag.set(key, {
            participant,
            records: Math.max(partitionLag.get(key)?.records ?? 0, records),
          });
        }
      }),
    );
    const lag = new Map<string, number>();
    for (const { participant, records } of partitionLag.values())
      lag.set(participant, (lag.get(participant) ?? 0) + records);
    return {
      lag,
      deadLetters: [...deadLetters]
        .map(([topic, records]) => ({ topic, records }))
        .sort((a, b) => a.topic.localeCompare(b.topic)),
      unreachable: unreachable.sort(),
    };
  };
}
