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
import {
  buildServiceApp,
  type AccessRecorder,
  type ServerTls,
  type TokenSettings,
  type ServiceOperations,
  observeStreamStores,
} from '@lethe/service-kit';

import type { EraseMany, ErasureTask, ExportResult, ExportTask, TaskResult } from '@lethe/participant';

import { accountDecider } from './account/decider';
import type { AccountCommand, AccountEvent, AccountState } from './account/model';
import { CacheUnavailableAfterCommit, createProfileCache } from './cache/profile-cache';
import { eraseAccount, eraseCachedSubjects } from './erasure/erase-account';
import { createUsageIndexes, usageRecords, type UsageInput } from './usage/usage-records';
import { accountRecords } from './events/to-records';
import { accountRoutes } from './http/routes';
import { createEmailIndex, normalisedEmail } from './sign-in/email-index-store';
import { ACCOUNT_STREAMS, accountStateCodec, type StoredAccountState } from './persistence/state-codec';

export interface AccountServiceDeps {
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
  now?: () => Date;
  /** The physical account topic (tests use their own). */
  topic?: string;
  /** Told after each append: main.ts wakes the outbox relay with it. */
  onAppended?: () => void;
  /** Resolves once every commit so far is on Kafka (the outbox relay's `published`). */
  published?: (timeoutMs: number) => Promise<boolean>;
  /** More readiness checks (main.ts adds its consumers: a stalled one means not ready). */
  readiness?: Record<string, () => Promise<boolean>>;
}

const SESSION_TTL_SECONDS = 24 * 60 * 60;

export type AccountCommandHandler = CommandHandler<AccountCommand, AccountEvent, AccountState>;

export interface AccountService {
  app: FastifyInstance;
  streams: StreamStore<StoredAccountState>;
  /** The one write path (HTTP routes and the ingest consumer both use it). */
  handle: AccountCommandHandler;
  /** The account participant's task (join it with @lethe/participant and ACCOUNT_PARTICIPANT). */
  erase: (task: ErasureTask) => Promise<TaskResult>;
  /** The redis-cache participant's tasks, several at once (join it with CACHE_PARTICIPANT as
   * eraseMany). */
  eraseCache: EraseMany;
  /** Keeps a usage record from the ingest topic (UsageSeen). */
  recordUsage: (usage: UsageInput) => Promise<void>;
  /** The usage-analytics participant's task (join it with USAGE_PARTICIPANT): anonymises. */
  anonymiseUsage: (task: ErasureTask) => Promise<TaskResult>;
  /** The account participant's answer to an access request: the profile as the subject sees it. */
  exportAccount: (task: ExportTask) => Promise<ExportResult>;
  /** The usage-analytics participant's answer to an access request: the subject's usage records. */
  exportUsage: (task: ExportTask) => Promise<ExportResult>;
}

/** Wires the account service from its dependencies; main.ts adds config, Kafka and listen. */
export async function createAccountService(deps: AccountServiceDeps): Promise<AccountService> {
  const now = deps.now ?? (() => new Date());
  const cipher = createFieldCipher({ vault: createKeyVault({ db: deps.db, kek: deps.kek }) });
  const streams = await createStreamStore<StoredAccountState>({ db: deps.db, collection: ACCOUNT_STREAMS });
  if (deps.operations) observeStreamStores(deps.operations.metrics, { [ACCOUNT_STREAMS]: streams });
  const stateCodec = accountStateCodec(cipher);
  await createUsageIndexes(deps.db);
  const usage = usageRecords(deps.db, cipher);
  const cache = createProfileCache({ redis: deps.redis });
  const emailIndex = await createEmailIndex(deps.db, deps.kek);
  const handleCommand = createCommandHandler({
    store: streams,
    decider: accountDecider,
    stateCodec,
    toRecords: accountRecords({ codec: deps.codec, cipher, ...(deps.topic ? { topic: deps.topic } : {}) }),
    ...(deps.onAppended ? { onAppended: deps.onAppended } : {}),
  });
  // Every change drops the cached profile; the next read caches the new one. A new address is
  // indexed for sign-in (a crash before it leaves the address unfindable until its next change;
  // the lookup checks the profile, so a stale entry never signs anyone in).
  const handle: AccountCommandHandler = async (subjectId, command, context) => {
    const result = await handleCommand(subjectId, command, context);
    const opened = result.events.some((event) => event.type === 'AccountCreated');
    const moved = result.events.some((event) => event.type === 'AccountProfileUpdated' && event.data.email);
    if ((opened || moved) && (result.state.status === 'active' || result.state.status === 'deactivated'))
      await emailIndex.record(subjectId, result.state.profile.email, moved);
    if (result.events.length > 0)
      await cache.invalidate(subjectId).catch((cause: unknown) => {
        throw new CacheUnavailableAfterCommit({ cause });
      });
    return result;
  };
  const read = async (subjectId: string) => {
    const cached = await cache.get(subjectId);
    if (cached) return stateCodec.fromStored(subjectId, cached);
    const loaded = await streams.load(subjectId);
    if (!loaded) return undefined;
    // Only a live account is cached: an erased one must never come back into Redis.
    if (loaded.state.status === 'active' || loaded.state.status === 'deactivated')
      await cache.put(subjectId, loaded.state);
    return stateCodec.fromStored(subjectId, loaded.state);
  };

  const app = buildServiceApp({
    name: 'account',
    version: '0.1.0',
    logger: deps.logger,
    publicKeys: deps.publicKeys,
    ...(deps.tokens ? { tokens: deps.tokens } : {}),
    ...(deps.https ? { https: deps.https } : {}),
    ...(deps.operations ? { operations: deps.operations } : {}),
    ...(deps.recordAccess ? { recordAccess: deps.recordAccess } : {}),
    readiness: {
      mongo: async () => (await deps.db.command({ ping: 1 })).ok === 1,
      ...deps.readiness,
    },
    idempotency: mongoIdempotencyRecords(deps.db),
  });
  await app.register(async (scope) =>
    accountRoutes(scope, {
      handle,
      read,
      now,
      createSession: (subjectId) => cache.createSession(subjectId, SESSION_TTL_SECONDS),
      findByEmail: async (email) => {
        const subjectId = await emailIndex.find(email);
        const state = subjectId === undefined ? undefined : await read(subjectId);
        const live = state?.status === 'active' || state?.status === 'deactivated';
        return live && normalisedEmail(state.profile.email) === normalisedEmail(email)
          ? subjectId
          : undefined;
      },
      ...(deps.published ? { published: deps.published } : {}),
    }),
  );
  return {
    app,
    streams,
    handle,
    erase: eraseAccount({ streams, handle, now, emailIndex }),
    eraseCache: eraseCachedSubjects(cache),
    recordUsage: usage.record,
    anonymiseUsage: usage.anonymise,
    exportUsage: usage.export,
    exportAccount: async ({ subjectId }) => {
      const state = await read(subjectId);
      const live = state?.status === 'active' || state?.status === 'deactivated';
      return {
        records: {
          [`mongodb:${ACCOUNT_STREAMS}`]: live
            ? [{ status: state.status, ...state.profile, lastActiveDay: state.lastActiveDay }]
            : [],
        },
      };
    },
  };
}
