// The retention service process: configuration (a bad policy stops it here, naming the line),
// connections, the service, HTTP, and an orderly stop on SIGTERM.
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';

import { keyEncryptionKeyFrom } from '@lethe/crypto';
import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import { closeOnSignals, connectKafka } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';
import { joinErasureProtocol } from '@lethe/participant';
import {
  accessRecorderOn,
  createClock,
  exitOnFatalStartup,
  serviceOperations,
  startTracing,
  topicNamer,
} from '@lethe/service-kit';

import { loadRetentionConfig } from './config';
import { loadPolicy } from './policy/policy';
import { RETENTION_SCHEDULE_PARTICIPANT } from './retention/schedule-participant';
import { startRetentionService } from './service';

async function main() {
  const config = loadRetentionConfig();
  const policy = loadPolicy(config.policyFile);
  const logger = createLogger({ name: 'retention', level: config.logLevel });
  const tracing = startTracing('retention', config.tracing);
  const mongo = await MongoClient.connect(config.mongoUrl);
  const redis = new Redis(config.redisUrl, config.redisOptions);
  const clock = await createClock(config, redis);
  const kafka = await connectKafka({ ...config.kafka, clientId: 'lethe-retention' }, logger);
  const codec = createEventCodec({
    registry: createSchemaRegistry(config.registryUrl, { caFile: config.tlsCaFile }),
    catalog: loadCatalog(),
  });
  const topicName = topicNamer(config.topicPrefix);
  const service = await startRetentionService({
    db: mongo.db(config.mongoDatabase),
    kafka,
    codec,
    logger,
    publicKeys: config.publicKeys,
    tokens: config.tokens,
    https: config.https,
    operations: serviceOperations('retention', kafka),
    recordAccess: accessRecorderOn(kafka.eventProducer(codec, topicName), 'retention'),
    policy,
    kek: keyEncryptionKeyFrom(config.kek, config.tlsCaFile),
    clock,
    topicName,
  });
  // Answers access requests only: it holds nothing an erasure removes (see schedule-participant).
  const participant = await joinErasureProtocol({
    kafka,
    codec,
    logger,
    topicName,
    taskPublicKeys: config.taskPublicKeys,
    declaration: RETENTION_SCHEDULE_PARTICIPANT,
    export: service.exportSchedule,
  });
  await service.app.listen({ host: config.host, port: config.port });
  logger.info({ policyVersion: policy.version, digest: policy.digest }, 'retention policy active');
  closeOnSignals(
    [
      () => service.stop(),
      () => participant.stop(),
      () => kafka.close(),
      () => tracing.shutdown(),
      () => mongo.close(),
      async () => void (await redis.quit()),
    ],
    logger,
  );
}

main().catch(exitOnFatalStartup('retention'));
