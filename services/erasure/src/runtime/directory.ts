import { isEventOfType, type EventCodec } from '@lethe/events';
import type { ConsumerRunner, KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';

import type { Registration } from '../request/model';

export interface ParticipantDirectory {
  list(): Registration[];
  /** Each registration with the stores its participant declared (what an operator or a subject is shown). */
  declared(): (Registration & { readonly stores: readonly string[] })[];
  /** The participants that answer access requests (registered with an export handler). */
  exporting(): string[];
  stop(): Promise<void>;
}

/**
 * Who takes part in erasure: the latest registration per participant, read from the compacted
 * participants topic from its start by every instance (its own group, so each sees them all).
 */
export async function startParticipantDirectory(deps: {
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  topic: string;
  /** Its own group per instance, so each instance reads every registration. */
  groupId: string;
}): Promise<ParticipantDirectory> {
  const registrations = new Map<string, Registration>();
  // Kept beside the registrations: what plans requests needs no stores, so Registration has none.
  const stores = new Map<string, readonly string[]>();
  const exporting = new Set<string>();
  const runner: ConsumerRunner = await deps.kafka.runEventConsumer({
    codec: deps.codec,
    logger: deps.logger,
    groupId: deps.groupId,
    topics: [deps.topic],
    fromBeginning: true,
    handle: async (event) => {
      if (!isEventOfType(event, 'ParticipantRegistered')) return;
      const { participantId, categories, phase, timeoutMs } = event.data;
      registrations.set(participantId, { participantId, categories, phase, timeoutMs });
      stores.set(participantId, event.data.stores);
      if (event.data.exports) exporting.add(participantId);
      else exporting.delete(participantId);
    },
  });
  const list = () =>
    [...registrations.values()].sort((a, b) => a.participantId.localeCompare(b.participantId));
  return {
    list,
    declared: () =>
      list().map((registration) => ({
        ...registration,
        stores: stores.get(registration.participantId) ?? [],
      })),
    exporting: () => [...exporting].sort(),
    async stop() {
      await runner.stop();
      // The group is this instance's alone: left behind, every restart would add one to the
      // broker. A crash still leaves it; its offsets expire with the broker's retention (7 days).
      await deps.kafka.admin
        .deleteGroups([deps.groupId])
        .catch((error: unknown) =>
          deps.logger.warn({ err: error, groupId: deps.groupId }, 'could not delete the directory group'),
        );
    },
  };
}
