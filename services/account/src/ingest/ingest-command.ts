import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

import { CryptoError } from '@lethe/crypto';
import { isEventOfType, requestIdFrom, type LetheEvent } from '@lethe/events';
import type { CommandContext } from '@lethe/eventstore';

import type { AccountCommand, Profile } from '../account/model';
import type { UsageInput } from '../usage/usage-records';
import { NEW_PROFILE_SCHEMA, PROFILE_CHANGES_SCHEMA } from '../account/profile-schema';

export const ACCOUNT_INGEST_TOPIC = 'lethe.account.ingest.v1';

/** Why an ingest record was refused. Never retriable: the same bytes are refused again. Messages
 * name the field and the rule, never the value. */
export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly retriable = false;

  constructor(
    readonly code: 'INGEST_INVALID' | 'INGEST_SEAL_INVALID' | 'INGEST_UNEXPECTED_EVENT',
    message: string,
  ) {
    super(message);
  }
}

// The same rules as the HTTP bodies, without coercion: a sender must send the right types.
const ajv = new Ajv({ allErrors: false, strict: false });
// ajv-formats ships CommonJS with a default export, typed loosely.
(addFormats.default as unknown as (ajv: Ajv) => void)(ajv);
const validNewProfile = ajv.compile(NEW_PROFILE_SCHEMA);
const validChanges = ajv.compile(PROFILE_CHANGES_SCHEMA);

function checked(validate: typeof validNewProfile, fields: Record<string, string>, what: string) {
  if (validate(fields)) return;
  const error = validate.errors?.[0];
  const where = error?.instancePath ? error.instancePath.slice(1) : 'the profile';
  throw new IngestError('INGEST_INVALID', `${what}: ${where} ${error?.message ?? 'is invalid'}`);
}

const REASONS = ['user-request', 'dsar'] as const;
const REGULATIONS = ['GDPR', 'CCPA'] as const;

/** Opens one sealed field of an ingest event (bound to its subject, event and field name). */
export type OpenIngestField = (subjectId: string, eventId: string, field: string, sealed: Buffer) => string;

export interface IngestCommand {
  readonly subjectId: string;
  readonly command: AccountCommand;
  readonly context: CommandContext;
}

/**
 * The command an ingest event asks for: the same command, validated by the same rules, as the
 * matching HTTP call. `now` is the time the account service folds it (an event's `occurredAt` is
 * the sender's claim; only activity days are taken from it).
 */
export function ingestCommand(event: LetheEvent, openField: OpenIngestField, now: Date): IngestCommand {
  const { envelope } = event;
  const subjectId = envelope.subjectId;
  if (!subjectId || !/^[A-Za-z0-9_-]{1,64}$/.test(subjectId))
    throw new IngestError(
      'INGEST_INVALID',
      `${envelope.type}: subjectId must be 1-64 letters, digits, _ or -`,
    );
  const context: CommandContext = {
    now,
    correlationId: envelope.correlationId,
    causationId: envelope.eventId,
  };
  const open = (field: string, sealed: Buffer | null): string | undefined => {
    if (sealed === null) return undefined;
    try {
      return openField(subjectId, envelope.eventId, field, sealed);
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      throw new IngestError(
        'INGEST_SEAL_INVALID',
        `${envelope.type}: ${field} does not open (${error.code})`,
      );
    }
  };
  const profileOf = (data: {
    email: Buffer | null;
    name: Buffer | null;
    phone: Buffer | null;
    timezone: Buffer | null;
  }) => {
    const fields: Partial<Record<keyof Profile, string>> = {};
    for (const field of ['email', 'name', 'phone', 'timezone'] as const) {
      const value = open(field, data[field]);
      if (value !== undefined) fields[field] = value;
    }
    return fields;
  };
  const metadata = { now };

  if (isEventOfType(event, 'SignedUp')) {
    const fields = profileOf(event.data);
    checked(validNewProfile, fields, 'SignedUp');
    const { email = '', name = '', phone = null, timezone = null } = fields;
    return {
      subjectId,
      context,
      command: { type: 'OpenAccount', data: { email, name, phone, timezone, source: 'ingest' }, metadata },
    };
  }
  if (isEventOfType(event, 'ProfileChanged')) {
    const fields = profileOf(event.data);
    checked(validChanges, fields, 'ProfileChanged');
    return { subjectId, context, command: { type: 'UpdateProfile', data: fields, metadata } };
  }
  if (isEventOfType(event, 'ActivitySeen')) {
    const { day, channel } = event.data;
    const seen = new Date(`${day}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(seen.getTime()))
      throw new IngestError('INGEST_INVALID', 'ActivitySeen: day must be an ISO date (YYYY-MM-DD)');
    if (day > now.toISOString().slice(0, 10))
      throw new IngestError('INGEST_INVALID', 'ActivitySeen: day is in the future');
    // The decider takes the activity day from the command's time: here the sender's day.
    return {
      subjectId,
      context,
      command: { type: 'RecordActivity', data: { channel }, metadata: { now: seen } },
    };
  }
  if (isEventOfType(event, 'Deactivated'))
    return { subjectId, context, command: { type: 'Deactivate', data: event.data, metadata } };
  if (isEventOfType(event, 'DeletionRequested')) {
    const { reason, regulation } = event.data;
    if (!(REASONS as readonly string[]).includes(reason))
      throw new IngestError(
        'INGEST_INVALID',
        `DeletionRequested: reason must be one of ${REASONS.join(', ')}`,
      );
    if (regulation !== null && !(REGULATIONS as readonly string[]).includes(regulation))
      throw new IngestError(
        'INGEST_INVALID',
        `DeletionRequested: regulation must be one of ${REGULATIONS.join(', ')}`,
      );
    // Derived from the event, so a redelivered request asks for the same erasure.
    const requestId = requestIdFrom(envelope.eventId);
    return {
      subjectId,
      context,
      command: { type: 'RequestDeletion', data: { requestId, reason, regulation }, metadata },
    };
  }
  throw new IngestError('INGEST_UNEXPECTED_EVENT', `${envelope.type} does not belong on the ingest topic`);
}

const PLATFORMS = ['web', 'ios', 'android', 'other'];
/** How far ahead of the account service's clock a sender's time may be (clock skew). */
const USAGE_SKEW_MS = 5 * 60 * 1000;

/** A UsageSeen event as the usage record it asks for, checked; undefined for any other event. */
export function usageOf(event: LetheEvent, openField: OpenIngestField, now: Date): UsageInput | undefined {
  if (!isEventOfType(event, 'UsageSeen')) return undefined;
  const { envelope, data } = event;
  const subjectId = envelope.subjectId;
  if (!subjectId || !/^[A-Za-z0-9_-]{1,64}$/.test(subjectId))
    throw new IngestError('INGEST_INVALID', 'UsageSeen: subjectId must be 1-64 letters, digits, _ or -');
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(data.feature))
    throw new IngestError(
      'INGEST_INVALID',
      'UsageSeen: feature must be 1-64 lowercase letters, digits and dashes',
    );
  if (data.platform !== null && !PLATFORMS.includes(data.platform))
    throw new IngestError('INGEST_INVALID', `UsageSeen: platform must be one of ${PLATFORMS.join(', ')}`);
  if (envelope.occurredAt > now.getTime() + USAGE_SKEW_MS)
    throw new IngestError('INGEST_INVALID', 'UsageSeen: occurredAt is in the future');
  const open = (field: 'userAgent' | 'city'): string | undefined => {
    const sealed = data[field];
    if (sealed === null) return undefined;
    try {
      return openField(subjectId, envelope.eventId, field, sealed);
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      throw new IngestError('INGEST_SEAL_INVALID', `UsageSeen: ${field} does not open (${error.code})`);
    }
  };
  const userAgent = open('userAgent');
  const city = open('city');
  return {
    eventId: envelope.eventId,
    subjectId,
    feature: data.feature,
    platform: data.platform,
    at: new Date(envelope.occurredAt),
    ...(userAgent !== undefined ? { userAgent } : {}),
    ...(city !== undefined ? { city } : {}),
  };
}
