// The consent service process: configuration, connections, the outbox relay, the consent
// erasure participant, HTTP, and an orderly stop on SIGTERM.
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';

import { keyEncryptionKeyFrom } from '@lethe/crypto';
import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import { createOutboxRelay } from '@lethe/eventstore';
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

import { loadConsentConfig } from './config';
import { loadPurposes } from './consent/purposes';
import { CONSENT_EVENTS_TOPIC } from './consent/to-records';
import { CONSENT_PARTICIPANT } from './erasure/erase-consent';
import { createConsentService } from './service';

async function main() {
  const config = loadConsentConfig();
  const purposes = loadPurposes(config.purposesFile);
  const logger = createLogger({ name: 'consent', level: config.logLevel });
  const tracing = startTracing('consent', config.tracing);
  const topicName = topicNamer(config.topicPrefix);
  const mongo = await MongoClient.connect(config.mongoUrl);
  const redis = new Redis(config.redisUrl, config.redisOptions);
  const clock = await createClock(config, redis);
  const kafka = await connectKafka({ ...config.kafka, clientId: 'lethe-consent' }, logger);
  const codec = createEventCodec({
    registry: createSchemaRegistry(config.registryUrl, { caFile: config.tlsCaFile }),
    catalog: loadCatalog(),
  });

  const service = await createConsentService({
    db: mongo.db(config.mongoDatabase),
    redis,
    codec,
    kek: keyEncryptionKeyFrom(config.kek, config.tlsCaFile),
    logger,
    publicKeys: config.publicKeys,
    tokens: config.tokens,
    https: config.https,
    operations: serviceOperations('consent', kafka),
    recordAccess: accessRecorderOn(kafka.eventProducer(codec, topicName), 'consent'),
    purposes,
    clock,
    topic: topicName(CONSENT_EVENTS_TOPIC),
    policyVersion: config.policyVersion,
  });
  const relay = createOutboxRelay({ store: service.streams, send: kafka.send, logger });
  relay.start(200);
  const participant = await joinErasureProtocol({
    kafka,
    codec,
    logger,
    topicName,
    taskPublicKeys: config.taskPublicKeys,
    declaration: CONSENT_PARTICIPANT,
    erase: service.erase,
    export: service.export,
  });
  await service.app.listen({ host: config.host, port: config.port });

  closeOnSignals(
    [
      () => service.app.close(),
      () => participant.stop(),
      () => relay.stop(),
      () => kafka.close(),
      () => tracing.shutdown(),
      () => mongo.close(),
      async () => void (await redis.quit()),
    ],
    logger,
  );
}

main().catch(exitOnFatalStartup('consent'));
