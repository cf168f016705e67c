import { createPublicKey, type KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';

import type { S3Client } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';

import { createFieldCipher, createKeyVault, type KeyEncryptionKey } from '@lethe/crypto';
import type { EventCodec } from '@lethe/events';
import {
  createCommandHandler,
  createOutboxRelay,
  createStreamStore,
  mongoIdempotencyRecords,
  type StreamDocument,
} from '@lethe/eventstore';
import type { KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';
import {
  buildServiceApp,
  type ServerTls,
  type TokenSettings,
  type ServiceOperations,
  type AccessRecorder,
  observeStreamStores,
  serviceFetch,
  type ServiceFetch,
} from '@lethe/service-kit';

import {
  ACCESS_EXPORTS_PARTICIPANT,
  ACCESS_STREAMS,
  startAccessRequests,
  type AccessRequests,
} from './access/access-requests';
import { createAccessIndexes, mongoAccessStore } from './access/access-store';
import type { AccessState } from './access/model';
import { accessRoutes } from './http/access-routes';
import { httpsParticipantRoutes } from './http/https-participant-routes';
import { erasureRoutes, type ErasureRoutesDeps } from './http/routes';
import { startHostedParticipants, type HostedParticipants } from './https-participants/hosted-participants';
import { mongoHttpsParticipantStore } from './https-participants/https-participant-store';
import { shredSubjectKey } from './key-vault/key-vault-participant';
import { createLlmDisclosureIndexes, llmDisclosures } from './llm/disclosures';
import { checkDisclosureConsent, llmConsents } from './llm/llm-consents';
import { legalRetention, providerRetention } from './llm/provider-retention-store';
import { erasureDecider, nextWakeup } from './request/decider';
import {
  upcastErasureState,
  type ErasureCommand,
  type ErasureState,
  type StoredErasureState,
} from './request/model';
import { listOpenRequests } from './runtime/open-requests';
import { startParticipantDirectory, type ParticipantDirectory } from './runtime/directory';
import { joinOwnParticipants } from './runtime/own-participants';
import { createRequestIndexIndexes, mongoRequestIndex } from './runtime/request-index';
import { observeErasureRequests, observingTaskLatency } from './runtime/request-metrics';
import { createRequestIntake } from './runtime/request-intake';
import {
  ACCESS_EVENTS,
  ACCOUNT_EVENTS,
  CONSENT_EVENTS,
  requestGroups,
  RETENTION_EVENTS,
  startRequestConsumers,
} from './runtime/request-consumers';
import { requestLookup } from './runtime/request-lookup';
import { startTickSweeper } from './runtime/tick-sweeper';
import { ANSWERS_TOPIC } from '@lethe/participant';

import { erasureRecords } from './runtime/to-records';

export const ERASURE_STREAMS = 'erasure_streams';

/** States are stored as they are, and upcast when loaded (older commits lack newer fields). */
const erasureStateCodec = {
  toStored: async (_subjectId: string, state: ErasureState): Promise<StoredErasureState> => state,
  fromStored: async (_subjectId: string, stored: StoredErasureState) => upcastErasureState(stored),
};
export { ERASURE_REQUESTS } from './runtime/request-index';

export interface ErasureServiceDeps {
  db: Db;
  kafka: KafkaClient;
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
  topicName?: (logical: string) => string;
  now?: () => Date;
  instanceId?: string;
  /** Compacted topics keyed by subject id (physical names): erasure writes a tombstone on each. */
  compactedTopics?: readonly string[];
  /** The consent purpose an LLM disclosure needs (LETHE_LLM_CONSENT_PURPOSE); llm-processing. */
  llmConsentPurpose?: string;
  /** S3 buckets with objects under `subjects/<subjectId>/`: the object-store participant. */
  objectStore?: { s3: S3Client; buckets: readonly string[] } | undefined;
  /** Signs every task it issues (Ed25519; LETHE_TASK_SIGNING_KEY). */
  taskSigningKey: KeyObject;
  /** Exports for access requests made before it may be sealed in the pre-HPKE format. */
  legacySealingUntil?: Date;
  /** Records each read of personal data (an access package's download) on the access log. */
  recordAccess?: AccessRecorder;
  /** What its own participants accept besides its own key's tasks (keys being rotated). */
  taskPublicKeys?: readonly KeyObject[];
  /** How it calls HTTPS participants (the deployment's CA and the public ones). */
  participantFetch?: ServiceFetch;
  /** Where the audit service serves receipts (LETHE_AUDIT_URL): a completed request links there. */
  auditUrl?: string;
}

export interface ErasureService {
  app: FastifyInstance;
  directory: ParticipantDirectory;
  /** What the start-up reconciliation of the key vault with the erasure log found. */
  reconciled: { checked: number; reapplied: number };
  stop(): Promise<void>;
}

export type { RequestErasureInput } from './reactions';

/**
 * The erasure service: takes requests (HTTP, AccountDeletionRequested on the account log,
 * RetentionExpired on the retention log), plans and issues tasks, folds the participants'
 * answers, and completes each request once. It is the only writer of ErasureRequested. It also
 * runs the key-vault participant, which shreds the subject's key last of all.
 *
 * Legal holds come on the retention log, read by their own consumer group. A request from any
 * other path waits until that group has applied everything on the subject's retention partition
 * (a ConsumedBarrier): a hold acknowledged before the request was made is then in the subject's
 * stream when the request is decided, so it is blocked, never planned.
 */
export async function startErasureService(deps: ErasureServiceDeps): Promise<ErasureService> {
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'erasure' });
  const streams = await createStreamStore<StoredErasureState>({ db: deps.db, collection: ERASURE_STREAMS });
  if (deps.operations) observeStreamStores(deps.operations.metrics, { [ERASURE_STREAMS]: streams });
  // The indexes the erasure service's own stores filter on, made before it takes work.
  await Promise.all([
    createRequestIndexIndexes(deps.db),
    createAccessIndexes(deps.db),
    createLlmDisclosureIndexes(deps.db),
  ]);
  const requests = mongoRequestIndex(deps.db);

  const relay = createOutboxRelay({ store: streams, send: deps.kafka.send, logger: log });
  const decide = createCommandHandler({
    store: streams,
    decider: erasureDecider,
    toRecords: erasureRecords({ codec: deps.codec, topicName, taskSigningKey: deps.taskSigningKey }),
    onAppended: () => relay.wake(),
    timerOf: nextWakeup,
    inFlightOf: (state) => state.status === 'open',
    stateCodec: erasureStateCodec,
    // An answer decided on a stale view is a no-op (its task not yet issued there), and lost.
    confirmNoOps: true,
  });
  // Each completion is noted for the console's list of completed requests.
  const decideAndNote: typeof decide = async (subjectId, command, context) => {
    const result = await decide(subjectId, command, context);
    for (const event of result.events)
      if (event.type === 'ErasureCompleted' && result.previous.status === 'open') {
        const { request } = result.previous;
        await requests.completed({
          requestId: request.requestId,
          subjectId: request.subjectId,
          reason: request.reason,
          regulation: request.regulation,
          requestedAt: new Date(request.requestedAt).toISOString(),
          dueAt: new Date(request.dueAt).toISOString(),
          completedAt: context.now.toISOString(),
          result: event.data.result,
          late: context.now.getTime() > request.dueAt,
        });
      }
    return result;
  };
  const handle = deps.operations
    ? observingTaskLatency(deps.operations.metrics, decideAndNote)
    : decideAndNote;
  if (deps.operations) observeErasureRequests(deps.operations.metrics, streams, now);

  const directory = await startParticipantDirectory({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    topic: topicName('lethe.erasure.participants.v1'),
    groupId: topicName(`lethe.erasure.directory.${deps.instanceId ?? randomUUID()}`),
  });

  const groups = requestGroups(topicName);
  const legalTerms = legalRetention(deps.db);
  const intake = createRequestIntake({
    legalRetention: () => legalTerms.current(),
    handle,
    requests,
    participants: () => directory.list(),
    holdsApplied: deps.kafka.consumedBarrier({ topic: topicName(RETENTION_EVENTS), groupId: groups.holds }),
    now,
  });
  const sweeper = startTickSweeper({
    streams,
    handle,
    now,
    logger: log,
    answersRead: deps.kafka.consumedBarrier({
      topic: topicName(ANSWERS_TOPIC),
      groupId: groups.orchestrator,
    }),
  });
  const retention = providerRetention(deps.db);
  const vault = createKeyVault({ db: deps.db, kek: deps.kek });
  const cipher = createFieldCipher({ vault });
  const access = startAccessRequests({
    streams: await createStreamStore<AccessState>({ db: deps.db, collection: ACCESS_STREAMS }),
    store: mongoAccessStore(deps.db),
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    topicName,
    now,
    vault,
    cipher,
    taskSigningKey: deps.taskSigningKey,
    legacySealingUntil: deps.legacySealingUntil,
    exporting: () => directory.exporting(),
    declared: (participantId) => {
      const found = directory.declared().find((d) => d.participantId === participantId);
      return { stores: found?.stores ?? [], categories: found?.categories ?? [] };
    },
  });
  const consumers = await startRequestConsumers({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    topicName,
    intake,
    participants: () => directory.list(),
    learnProviderRetention: (ms, policyVersion) => retention.learn(ms, policyVersion),
    learnLegalRetention: (terms, policyVersion) => legalTerms.learn(terms, policyVersion),
    onAccessAnswer: (event) => access.onAnswer(event),
    now,
  });

  const consents = llmConsents(deps.db, deps.llmConsentPurpose ?? 'llm-processing');
  const consentGroup = topicName('lethe.erasure.consents');
  const consentObserver = await deps.kafka.runEventConsumer({
    codec: deps.codec,
    logger: log,
    groupId: consentGroup,
    topics: [topicName(CONSENT_EVENTS)],
    handle: (event) => consents.observe(event),
  });
  const checkConsent = checkDisclosureConsent({
    consents,
    consentsRead: deps.kafka.consumedBarrier({ topic: topicName(CONSENT_EVENTS), groupId: consentGroup }),
    producer: deps.kafka.eventProducer(deps.codec),
    accessTopic: topicName(ACCESS_EVENTS),
    now,
  });

  const llm = llmDisclosures(deps.db, now, cipher, () => retention.current());
  const own = await joinOwnParticipants({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    topicName,
    now,
    vault,
    shredKey: shredSubjectKey({ vault, now }),
    llmErase: llm.erase,
    llmExport: llm.export,
    accessExports: { declaration: ACCESS_EXPORTS_PARTICIPANT, erase: (task) => access.eraseSubject(task) },
    compactedTopics: deps.compactedTopics ?? [],
    objectStore: deps.objectStore,
    taskPublicKeys: [createPublicKey(deps.taskSigningKey), ...(deps.taskPublicKeys ?? [])],
  });
  const hosted = await startHostedParticipants({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: log,
    store: mongoHttpsParticipantStore(deps.db),
    fetch: deps.participantFetch ?? serviceFetch(undefined, { publicRoots: true }),
    taskPublicKeys: [createPublicKey(deps.taskSigningKey), ...(deps.taskPublicKeys ?? [])],
    topicName,
    now,
  });
  relay.start(200);

  const load = requestLookup({
    requests,
    streams,
    accountLogRead: deps.kafka.consumedBarrier({
      topic: topicName(ACCOUNT_EVENTS),
      groupId: groups.orchestrator,
    }),
  });
  /** An operator's command on a request, by its id, in its subject's stream; undefined for none. */
  const onRequest = async (requestId: string, command: (at: Date) => ErasureCommand) => {
    const found = await load(requestId);
    if (!found) return undefined;
    const at = now();
    return handle(found.subjectId, command(at), { now: at, correlationId: requestId, causationId: null });
  };
  const app = await erasureApp(deps, access, hosted, {
    auditUrl: deps.auditUrl ?? 'https://127.0.0.1:3005',
    requestErasure: (input) => intake.request(input),
    load,
    extendDeadline: async (requestId, extension) => {
      const handled = await onRequest(requestId, (at) => ({
        type: 'ExtendDeadline',
        data: { requestId, ...extension },
        metadata: { now: at },
      }));
      if (!handled) return undefined;
      const { state } = handled;
      const last = state.status === 'open' ? state.request.extensions?.at(-1) : undefined;
      return last && { previousDueAt: last.previousDueAt, dueAt: last.dueAt };
    },
    retryTask: async (requestId, retry) => {
      const handled = await onRequest(requestId, (at) => ({
        type: 'RetryTask',
        data: { requestId, ...retry },
        metadata: { now: at },
      }));
      if (!handled) return undefined;
      const issued = handled.events.find(
        (e) => e.type === 'ErasureTaskIssued' && e.data.participantId === retry.participantId,
      );
      return { attempt: issued?.type === 'ErasureTaskIssued' ? issued.data.attempt : 0 };
    },
    directory,
    openRequests: (limit) => listOpenRequests(streams, now().getTime(), limit),
    completedRequests: (limit) => requests.recentCompletions(limit),
    recordDisclosure: async ({ reportedBy, ...disclosure }) => {
      const { disclosureId, sentAt } = await llm.record(disclosure);
      const consentGranted = await checkConsent({
        disclosureId,
        sentAt,
        reportedBy,
        subjectId: disclosure.subjectId,
        provider: disclosure.provider,
      });
      return { consentGranted };
    },
    reconcileKeys: () => own.reconcile(),
    consumersStalled: () => consumers.stalled() || consentObserver.stalled(),
  });

  return {
    app,
    directory,
    reconciled: own.reconciled,
    async stop() {
      await sweeper.stop();
      await consumers.stop();
      await access.stop();
      await consentObserver.stop();
      await own.stop();
      await hosted.stop();
      await directory.stop();
      await relay.stop();
      await app.close();
    },
  };
}

/** The HTTP side: the API, and readiness that counts the consumers' health. */
async function erasureApp(
  deps: Pick<
    ErasureServiceDeps,
    'db' | 'logger' | 'publicKeys' | 'tokens' | 'https' | 'operations' | 'recordAccess'
  >,
  access: AccessRequests,
  hosted: HostedParticipants,
  routes: ErasureRoutesDeps & { consumersStalled: () => boolean },
): Promise<FastifyInstance> {
  const app = buildServiceApp({
    name: 'erasure',
    version: '0.1.0',
    logger: deps.logger,
    publicKeys: deps.publicKeys,
    ...(deps.tokens ? { tokens: deps.tokens } : {}),
    ...(deps.https ? { https: deps.https } : {}),
    ...(deps.operations ? { operations: deps.operations } : {}),
    ...(deps.recordAccess ? { recordAccess: deps.recordAccess } : {}),
    readiness: {
      mongo: async () => (await deps.db.command({ ping: 1 })).ok === 1,
      consumers: async () => !routes.consumersStalled(),
    },
    idempotency: mongoIdempotencyRecords(deps.db),
  });
  await app.register(async (scope) => erasureRoutes(scope, routes));
  await app.register(async (scope) => accessRoutes(scope, access));
  await app.register(async (scope) => httpsParticipantRoutes(scope, hosted));
  return app;
}

export type { StreamDocument };
