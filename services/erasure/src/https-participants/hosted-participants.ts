import type { KeyObject } from 'node:crypto';

import type { EventCodec } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';
import { joinErasureProtocol, type Participant } from '@lethe/participant';
import type { ServiceFetch } from '@lethe/service-kit';

import type { HttpsParticipantStore } from './https-participant-store';
import type { HttpsParticipantRegistration } from './registrations';
import { callHttpsParticipant, taskRequestBody } from './task-call';

export interface HostedParticipantsDeps {
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  store: HttpsParticipantStore;
  /** HTTPS that trusts the deployment's CA as well as the public ones. */
  fetch: ServiceFetch;
  taskPublicKeys: readonly KeyObject[];
  topicName?: (logical: string) => string;
  now?: () => Date;
}

export interface HostedParticipants {
  /** Saves a registration and (re)joins it: its task topic, its consumer group, its calls. */
  register(registration: HttpsParticipantRegistration): Promise<void>;
  list(): Promise<HttpsParticipantRegistration[]>;
  stop(): Promise<void>;
}

/**
 * The erasure service joins the protocol on behalf of each HTTPS participant: the SDK takes its
 * tasks from its own task topic (so planning, signatures, retries, timeouts and answers are the
 * same as for any participant) and its erase is a call to the registered endpoint.
 */
export async function startHostedParticipants(deps: HostedParticipantsDeps): Promise<HostedParticipants> {
  const joined = new Map<string, Participant>();
  const join = async (registration: HttpsParticipantRegistration) => {
    const { endpoint, registeredAt: _at, registeredBy: _by, ...declaration } = registration;
    await joined.get(declaration.participantId)?.stop();
    joined.set(
      declaration.participantId,
      await joinErasureProtocol({
        kafka: deps.kafka,
        codec: deps.codec,
        logger: deps.logger,
        taskPublicKeys: deps.taskPublicKeys,
        declaration,
        erase: (task) =>
          callHttpsParticipant({
            fetch: deps.fetch,
            endpoint,
            body: taskRequestBody(declaration.participantId, task),
            timeoutMs: declaration.timeoutMs,
          }),
        ...(deps.topicName ? { topicName: deps.topicName } : {}),
        ...(deps.now ? { now: deps.now } : {}),
      }),
    );
  };
  for (const registration of await deps.store.list()) await join(registration);
  return {
    async register(registration) {
      await deps.store.save(registration);
      await join(registration);
    },
    list: () => deps.store.list(),
    async stop() {
      for (const participant of joined.values()) await participant.stop();
      joined.clear();
    },
  };
}
