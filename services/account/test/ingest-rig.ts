// What the ingest tests share: the account service, its ingest consumer, and a client that
// emits account events onto the ingest topic as another service would.
import { randomBytes } from 'node:crypto';

import type { Db } from 'mongodb';

import { createAccountEventsClient, type AccountEventsClient } from '@lethe/client';
import {
  generateSealingKeys,
  LEGACY_SEALING_UNTIL_DEFAULT,
  localKek,
  sealingPrivateKeyFrom,
  type SealingKeys,
} from '@lethe/crypto';
import type { ConsumerRunner } from '@lethe/kafka';
import { generateSigningKeys, publicKeyFrom } from '@lethe/service-kit';
import {
  testCaFile,
  testLogger,
  testRedis,
  testKafkaConnection,
  testServers,
  type TestScope,
} from '@lethe/test-harness';

import { ACCOUNT_EVENTS_TOPIC } from '../src/events/to-records';
import { ACCOUNT_INGEST_TOPIC } from '../src/ingest/ingest-command';
import { startIngestConsumer } from '../src/ingest/ingest-consumer';
import { createAccountService, type AccountService } from '../src/service';

/** The topics an ingest rig reads and writes, for openTestScope. */
export const INGEST_TOPICS = [ACCOUNT_INGEST_TOPIC, ACCOUNT_EVENTS_TOPIC];

export interface IngestRig {
  readonly service: AccountService;
  readonly ingest: ConsumerRunner;
  /** Emits onto the ingest topic as the service named `producer`. */
  readonly emitter: AccountEventsClient;
  readonly sealing: SealingKeys;
  /** The service's public key for bearer tokens (its private half signs `operator` tokens). */
  readonly signing: { publicKey: string; privateKey: string };
  stop(): Promise<void>;
}

export async function startIngestRig(
  scope: TestScope,
  {
    producer,
    db = scope.db,
    now = () => new Date(),
    legacySealingUntil = new Date(LEGACY_SEALING_UNTIL_DEFAULT),
  }: { producer: string; db?: Db; now?: () => Date; legacySealingUntil?: Date },
): Promise<IngestRig> {
  const { kafka, codec, topicName } = scope;
  const sealing = generateSealingKeys();
  const signing = generateSigningKeys();
  const redis = testRedis();
  let ingest: ConsumerRunner | undefined;
  const service = await createAccountService({
    db,
    redis,
    codec,
    kek: localKek(randomBytes(32).toString('base64')),
    topic: topicName(ACCOUNT_EVENTS_TOPIC),
    logger: testLogger(),
    publicKeys: [publicKeyFrom(signing.publicKey)],
    readiness: { ingest: async () => !ingest?.stalled() },
  });
  ingest = await startIngestConsumer({
    kafka,
    codec,
    logger: testLogger(),
    sealingKey: sealingPrivateKeyFrom(sealing.privateKey),
    handle: service.handle,
    recordUsage: service.recordUsage,
    legacySealingUntil,
    now,
    topicName,
  });
  const emitter = await createAccountEventsClient({
    producer,
    accountPublicKey: sealing.publicKey,
    ...testKafkaConnection(),
    brokers: [...testKafkaConnection().brokers],
    registryUrl: testServers().registryUrl,
    registryCaFile: testCaFile(),
    topicName,
    logger: testLogger(),
  });
  const running = ingest;
  return {
    service,
    ingest: running,
    emitter,
    sealing,
    signing,
    async stop() {
      await running.stop();
      await emitter.close();
      await service.app.close();
      redis.disconnect();
    },
  };
}
