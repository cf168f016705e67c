import type { KeyObject } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';

import { createFieldCipher, createKeyVault, type KeyEncryptionKey } from '@lethe/crypto';
import type { EventCodec } from '@lethe/events';
import {
  createCommandHandler,
  createStreamStore,
  mongoIdempotencyRecords,
  type CommandHandler,
  type StreamStore,
} from '@lethe/eventstore';
import type { Logger } from '@lethe/logger';
import type { ErasureTask, ExportResult, ExportTask, TaskResult } from '@lethe/participant';
import {
  type AccessRecorder,
  buildServiceApp,
  type Clock,
  type ServerTls,
  systemClock,
  type TokenSettings,
  type ServiceOperations,
  observeStreamStores,
} from '@lethe/service-kit';

import { consentDecider } from './consent/decider';
import {
  createMarketingContactIndexes,
  createMarketingContacts,
  marketingKeyOwner,
  type MarketingContacts,
} from './consent/marketing-contacts';
import type { ConsentCommand, ConsentEvent, ConsentState } from './consent/model';
import type { Purpose } from './consent/purposes';
import { consentRecords } from './consent/to-records';
import { eraseConsent } from './erasure/erase-consent';
import { consentRoutes } from './http/routes';
import { createConsentCache } from './read-model/consent-cache';

export const CONSENT_STREAMS = 'consent_streams';

export interface ConsentServiceDeps {
  db: Db;
  redis: Redis;
  codec: EventCodec;
  kek: KeyEncryptionKey;
  logger: Logger;
  publicKeys: readonly KeyObject[];
  /** Token issuer and revoked ids (config.tokens); `lethe` and none by default. */
  tokens?: TokenSettings;
  /** The HTTPS certificate and key (config.https); without, plain HTTP (app.inject() tests). */
  https?: ServerTls | undefined;
  /** /metrics and Kafka's readiness checks (main.ts makes them with serviceOperations). */
  operations?: ServiceOperations;
  /** Records each answer that carries personal data (main.ts: on the access topic). */
  recordAccess?: AccessRecorder | undefined;
  purposes: ReadonlyMap<string, Purpose>;
  clock?: Clock;
  /** The physical consent topic (tests use their own). */
  topic?: string;
  /** Recorded with decisions made from an opt-out signal. */
  policyVersion?: string;
}

export type ConsentCommandHandler = CommandHandler<ConsentCommand, ConsentEvent, ConsentState>;

export interface ConsentService {
  app: FastifyInstance;
  streams: StreamStore<ConsentState>;
  contacts: MarketingContacts;
  handle: ConsentCommandHandler;
  /** The consent participant's task (join it with CONSENT_PARTICIPANT). */
  erase: (task: ErasureTask) => Promise<TaskResult>;
  /** The consent participant's answer to an access request: the ledger and the marketing contacts. */
  export: (task: ExportTask) => Promise<ExportResult>;
}

export async function createConsentService(deps: ConsentServiceDeps): Promise<ConsentService> {
  const clock = deps.clock ?? systemClock;
  const streams = await createStreamStore<ConsentState>({ db: deps.db, collection: CONSENT_STREAMS });
  if (deps.operations) observeStreamStores(deps.operations.metrics, { [CONSENT_STREAMS]: streams });
  const cache = createConsentCache(deps.redis);
  const vault = createKeyVault({ db: deps.db, kek: deps.kek });
  const cipher = createFieldCipher({ vault });
  await createMarketingContactIndexes(deps.db);
  const contacts = createMarketingContacts(deps.db, cipher);
  const handleCommand = createCommandHandler({
    store: streams,
    decider: consentDecider,
    toRecords: consentRecords({ codec: deps.codec, ...(deps.topic ? { topic: deps.topic } : {}) }),
  });
  // Each decision refreshes the subject's fast-check hash after it is stored (write-through).
  const handle: ConsentCommandHandler = async (subjectId, command, context) => {
    const result = await handleCommand(subjectId, command, context);
    // A closed ledger (an erased subject) is never cached again: its Redis key stays gone.
    if (result.events.length > 0 && result.state.closedBy === null) await cache.put(subjectId, result.state);
    return result;
  };
  const read = async (subjectId: string) =>
    (await streams.load(subjectId))?.state ?? consentDecider.initialState();
  const check = async (subjectId: string, purpose: string) => {
    const cached = await cache.check(subjectId, purpose);
    if (cached !== undefined) return cached;
    // Not cached (evicted, a new Redis, or never asked): rebuilt from the ledger.
    const state = await read(subjectId);
    if (state.closedBy !== null) return false; // an erased subject consents to nothing
    await cache.put(subjectId, state);
    return state.current[purpose]?.granted === true;
  };

  const app = buildServiceApp({
    name: 'consent',
    version: '0.1.0',
    logger: deps.logger,
    publicKeys: deps.publicKeys,
    ...(deps.tokens ? { tokens: deps.tokens } : {}),
    ...(deps.https ? { https: deps.https } : {}),
    ...(deps.operations ? { operations: deps.operations } : {}),
    ...(deps.recordAccess ? { recordAccess: deps.recordAccess } : {}),
    readiness: {
      mongo: async () => (await deps.db.command({ ping: 1 })).ok === 1,
      redis: async () => (await deps.redis.ping()) === 'PONG',
    },
    idempotency: mongoIdempotencyRecords(deps.db),
  });
  await app.register(async (scope) =>
    consentRoutes(scope, {
      handle,
      read,
      check,
      contacts,
      purposes: deps.purposes,
      now: () => clock.now(),
      policyVersion: deps.policyVersion ?? 'gpc',
    }),
  );

  const closeLedger = async (subjectId: string, requestId: string) => {
    const now = clock.now();
    const result = await handle(
      subjectId,
      { type: 'CloseLedger', data: { requestId }, metadata: { now } },
      { now, correlationId: requestId, causationId: null },
    );
    return result.state.history.length;
  };
  const dropClosedLedger = async (subjectId: string) => {
    const state = (await streams.load(subjectId))?.state;
    if (state && state.closedBy === null) return { deleted: 0, open: true, remaining: 0 };
    const { deleted, remaining } = await streams.deleteStream(subjectId);
    await cache.erase(subjectId);
    return { deleted, open: false, remaining };
  };
  const shredMarketingKey = async (subjectId: string, requestId: string) =>
    (await vault.shred(marketingKeyOwner(subjectId), { requestId, at: clock.now() })).verifiedEmpty;
  return {
    app,
    streams,
    contacts,
    handle,
    erase: eraseConsent({ contacts, cache, closeLedger, shredMarketingKey, dropClosedLedger }),
    export: async ({ subjectId }) => {
      const state = await read(subjectId);
      return {
        records: {
          [`mongodb:${CONSENT_STREAMS}`]: state.history.map((decision) => ({
            ...decision,
            at: new Date(decision.at).toISOString(),
          })),
          'mongodb:marketing_contacts': await contacts.read(subjectId),
        },
      };
    },
  };
}
