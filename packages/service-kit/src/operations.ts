// What every service gives the people who run it, beside its API: /metrics and the readiness
// checks that depend on Kafka. Made in main.ts before the service, so the consumers started
// after it are counted too (both read the Kafka client's state when asked).
import type { KafkaClient } from '@lethe/kafka';

import { createServiceMetrics, type ServiceMetrics } from './metrics';

/** A readiness check: true, false, or why not (named in /readyz's answer). */
export type ReadinessCheck = () => Promise<boolean | { reason: string }>;

export interface ServiceOperations {
  readonly metrics: ServiceMetrics;
  readonly readiness: Record<string, ReadinessCheck>;
}

/**
 * Kafka is ready when a broker answers, and each consumer group member of the process has
 * joined its group and has not crashed (a stall, a dependency down, is each service's own check).
 */
export function kafkaReadiness(kafka: KafkaClient): Record<string, ReadinessCheck> {
  return {
    kafka: async () => kafka.reachable(),
    consumerGroups: async () => {
      const failing = kafka
        .consumerStatuses()
        .filter((status) => status.crashed || !status.joined)
        .map((status) => `${status.groupId} ${status.crashed ? 'crashed' : 'not joined'}`);
      return failing.length === 0 ? true : { reason: failing.join(', ') };
    },
  };
}

export function serviceOperations(service: string, kafka: KafkaClient): ServiceOperations {
  return { metrics: createServiceMetrics(service, kafka), readiness: kafkaReadiness(kafka) };
}
