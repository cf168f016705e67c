// The erasure service process: configuration, connections, the orchestrator with its key-vault
// participant, HTTP, and an orderly stop on SIGTERM.
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';

import { keyEncryptionKeyFrom } from '@lethe/crypto';
import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import { closeOnSignals, connectKafka } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';
import { s3ClientFromEnv } from '@lethe/participant-s3';
import {
  accessRecorderOn,
  createClock,
  exitOnFatalStartup,
  serviceOperations,
  startTracing,
  serviceFetch,
  topicNamer,
} from '@lethe/service-kit';

import { loadErasureConfig } from './config';
import { startErasureService } from './service';

async function main() {
  const config = loadErasureConfig();
  const logger = createLogger({ name: 'erasure', level: config.logLevel });
  const tracing = startTracing('erasure', config.tracing);
  const mongo = await MongoClient.connect(config.mongoUrl);
  const kafka = await connectKafka({ ...config.kafka, clientId: 'lethe-erasure' }, logger);
  // Redis only for the shared clock, when LETHE_CLOCK=shared-offset (demos); not otherwise used.
  const redis =
    config.clock === 'shared-offset' ? new Redis(config.redisUrl, config.redisOptions) : undefined;
  const clock = redis
    ? await createClock(config, redis)
    : await createClock(config, { get: async () => null });
  const codec = createEventCodec({
    registry: createSchemaRegistry(config.registryUrl, { caFile: config.tlsCaFile }),
    catalog: loadCatalog(),
  });
  const topicName = topicNamer(config.topicPrefix);
  const service = await startErasureService({
    db: mongo.db(config.mongoDatabase),
    kafka,
    codec,
    kek: keyEncryptionKeyFrom(config.kek, config.tlsCaFile),
    logger,
    publicKeys: config.publicKeys,
    tokens: config.tokens,
    https: config.https,
    operations: serviceOperations('erasure', kafka),
    recordAccess: accessRecorderOn(kafka.eventProducer(codec, topicName), 'erasure'),
    topicName,
    compactedTopics: config.compactedTopics,
    llmConsentPurpose: config.llmConsentPurpose,
    // The client from LETHE_S3_* (endpoint, keys, the CA), made only when buckets are named.
    objectStore:
      config.objectBuckets.length > 0
        ? { s3: s3ClientFromEnv(config.s3Env), buckets: config.objectBuckets }
        : undefined,
    taskSigningKey: config.taskSigningKey,
    legacySealingUntil: config.legacySealingUntil,
    taskPublicKeys: config.taskPublicKeys,
    participantFetch: serviceFetch(config.tlsCaFile, { publicRoots: true }),
    auditUrl: config.auditUrl,
    now: () => clock.now(),
  });
  await service.app.listen({ host: config.host, port: config.port });
  logger.info({ port: config.port }, 'erasure service listening');
  closeOnSignals(
    [
      () => service.stop(),
      () => kafka.close(),
      () => tracing.shutdown(),
      () => mongo.close(),
      async () => void (await redis?.quit()),
    ],
    logger,
  );
}

main().catch(exitOnFatalStartup('erasure'));
