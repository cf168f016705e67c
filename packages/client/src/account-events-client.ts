import { randomUUID, type KeyObject } from 'node:crypto';

import { sealFieldTo, sealingPublicKeyFrom } from '@lethe/crypto';
import { makeEvent, type EnvelopeInput, type LetheEvent } from '@lethe/events';
import type { EventProducer, KafkaClient } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';
import { connectLetheKafka, letheCodec, type LetheConnectionOptions } from '@lethe/participant';

export const ACCOUNT_INGEST_TOPIC = 'lethe.account.ingest.v1';

export interface AccountEventsClientOptions extends Omit<LetheConnectionOptions, 'clientId'> {
  /** Names the emitting service on every event (envelope `producer`) and to the brokers. */
  producer: string;
  /** The account service's X25519 public key, base64 SPKI DER (`./lethe ingest-key public`). */
  accountPublicKey: string;
  /** For tests and side-by-side deployments: maps the logical topic to the physical one. */
  topicName?: (logicalTopic: string) => string;
  /** An existing connection, instead of one made from `brokers` (then close() leaves it open). */
  kafka?: KafkaClient;
  now?: () => Date;
}

export interface ContactFields {
  email: string;
  name: string;
  phone?: string | null;
  timezone?: string | null;
}

export interface UsageFields {
  feature: string;
  platform?: 'web' | 'ios' | 'android' | 'other';
  userAgent?: string;
  city?: string;
  at?: Date;
}

export interface EmitOptions {
  /** Ties the event to the caller's flow (e.g. its request id); a fresh one otherwise. */
  correlationId?: string;
}

export interface Emitted {
  subjectId: string;
  eventId: string;
}

export interface AccountEventsClient {
  /** A user signed up with the calling service; `subjectId` is made unless given. */
  signedUp(fields: ContactFields & { subjectId?: string }, options?: EmitOptions): Promise<Emitted>;
  /** Only the fields given change. */
  profileChanged(subjectId: string, changes: Partial<ContactFields>, options?: EmitOptions): Promise<Emitted>;
  activitySeen(
    subjectId: string,
    activity?: { channel?: string; at?: Date },
    options?: EmitOptions,
  ): Promise<Emitted>;
  deactivated(subjectId: string, details?: { reason?: string }, options?: EmitOptions): Promise<Emitted>;
  /**
   * The user used a feature (usage analytics). `userAgent` and `city` are sealed like every
   * personal field; erasure drops them and keeps the rest, anonymous.
   */
  usageSeen(subjectId: string, usage: UsageFields, options?: EmitOptions): Promise<Emitted>;
  /** The user asked the calling service to delete the account; Lethe runs the erasure. */
  deletionRequested(
    subjectId: string,
    request: { reason: 'user-request' | 'dsar'; regulation?: 'GDPR' | 'CCPA' },
    options?: EmitOptions,
  ): Promise<Emitted>;
  close(): Promise<void>;
}

const newSubjectId = () => `sub_${randomUUID().replace(/-/g, '')}`;

/**
 * Emits account events on the ingest topic without the caller knowing Kafka or Avro. Personal
 * fields are sealed to the account service's public key before they leave the process, bound to
 * the subject, the topic, the event and the field, so no copy can be moved to another record.
 */
export async function createAccountEventsClient(
  options: AccountEventsClientOptions,
): Promise<AccountEventsClient> {
  const logger = options.logger ?? createLogger({ name: `${options.producer}-lethe-client`, level: 'warn' });
  const recipient: KeyObject = sealingPublicKeyFrom(options.accountPublicKey);
  const kafka =
    options.kafka ?? (await connectLetheKafka({ ...options, clientId: options.producer }, logger));
  const codec = letheCodec(options);
  const producer: EventProducer = kafka.eventProducer(codec, options.topicName);
  const now = options.now ?? (() => new Date());

  const envelope = (
    subjectId: string,
    emit: EmitOptions | undefined,
    at = now(),
  ): EnvelopeInput & { eventId: string } => {
    const eventId = randomUUID();
    return {
      eventId,
      subjectId,
      correlationId: emit?.correlationId ?? eventId,
      producer: options.producer,
      occurredAt: at.getTime(),
    };
  };
  const sealer = (subjectId: string, eventId: string) => (field: string, value: string | null | undefined) =>
    value === null || value === undefined
      ? null
      : sealFieldTo(recipient, { subjectId, context: ACCOUNT_INGEST_TOPIC, recordId: eventId, field }, value);
  const send = async (event: LetheEvent): Promise<Emitted> => {
    await producer.publish([{ event }]);
    return { subjectId: event.envelope.subjectId as string, eventId: event.envelope.eventId };
  };

  return {
    async signedUp({ subjectId = newSubjectId(), ...fields }, emit) {
      const input = envelope(subjectId, emit);
      const seal = sealer(subjectId, input.eventId);
      return send(
        makeEvent('SignedUp', input, {
          email: seal('email', fields.email) as Buffer,
          name: seal('name', fields.name) as Buffer,
          phone: seal('phone', fields.phone),
          timezone: seal('timezone', fields.timezone),
        }),
      );
    },
    async profileChanged(subjectId, changes, emit) {
      const input = envelope(subjectId, emit);
      const seal = sealer(subjectId, input.eventId);
      return send(
        makeEvent('ProfileChanged', input, {
          email: seal('email', changes.email),
          name: seal('name', changes.name),
          phone: seal('phone', changes.phone),
          timezone: seal('timezone', changes.timezone),
        }),
      );
    },
    async activitySeen(subjectId, activity = {}, emit) {
      const at = activity.at ?? now();
      return send(
        makeEvent('ActivitySeen', envelope(subjectId, emit, at), {
          day: at.toISOString().slice(0, 10),
          channel: activity.channel ?? null,
        }),
      );
    },
    async usageSeen(subjectId, usage, emit) {
      const input = envelope(subjectId, emit, usage.at ?? now());
      const seal = sealer(subjectId, input.eventId);
      return send(
        makeEvent('UsageSeen', input, {
          feature: usage.feature,
          platform: usage.platform ?? null,
          userAgent: seal('userAgent', usage.userAgent),
          city: seal('city', usage.city),
        }),
      );
    },
    async deactivated(subjectId, details = {}, emit) {
      return send(makeEvent('Deactivated', envelope(subjectId, emit), { reason: details.reason ?? null }));
    },
    async deletionRequested(subjectId, request, emit) {
      return send(
        makeEvent('DeletionRequested', envelope(subjectId, emit), {
          reason: request.reason,
          regulation: request.regulation ?? null,
        }),
      );
    },
    close: async () => {
      if (!options.kafka) await kafka.close();
    },
  };
}
