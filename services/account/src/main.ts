// The account service process: configuration, connections, the outbox relay, the account
// erasure participants, the ingest consumer, HTTP, and an orderly stop on SIGTERM.
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';

import { keyEncryptionKeyFrom } from '@lethe/crypto';
import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import { createOutboxRelay, type OutboxRelay } from '@lethe/eventstore';
import { closeOnSignals, connectKafka, type ConsumerRunner } from '@lethe/kafka';
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

import { loadAccountConfig } from './config';
import { ACCOUNT_PARTICIPANT, CACHE_PARTICIPANT } from './erasure/erase-account';
import { USAGE_PARTICIPANT } from './usage/usage-records';
import { ACCOUNT_EVENTS_TOPIC } from './events/to-records';
import { startIngestConsumer } from './ingest/ingest-consumer';
import { createAccountService } from './service';

async function main() {
  const config = loadAccountConfig();
  const logger = createLogger({ name: 'account', level: config.logLevel });
  const tracing = startTracing('account', config.tracing);
  const topicName = topicNamer(config.topicPrefix);
  const mongo = await MongoClient.connect(config.mongoUrl);
  const db = mongo.db(config.mongoDatabase);
  const kafka = await connectKafka({ ...config.kafka, clientId: 'lethe-account' }, logger);
  const redis = new Redis(config.redisUrl, config.redisOptions);
  const clock = await createClock(config, redis);
  const codec = createEventCodec({
    registry: createSchemaRegistry(config.registryUrl, { caFile: config.tlsCaFile }),
    catalog: loadCatalog(),
  });

  // The relay needs the service's store, and the service answers deletions once the relay
  // has published them: the relay is made right after.
  let relay: OutboxRelay | undefined;
  let ingest: ConsumerRunner | undefined;
  const service = await createAccountService({
    db,
    redis,
    codec,
    kek: keyEncryptionKeyFrom(config.kek, config.tlsCaFile),
    logger,
    publicKeys: config.publicKeys,
    tokens: config.tokens,
    https: config.https,
    operations: serviceOperations('account', kafka),
    recordAccess: accessRecorderOn(kafka.eventProducer(codec, topicName), 'account'),
    topic: topicName(ACCOUNT_EVENTS_TOPIC),
    now: () => clock.now(),
    published: (timeoutMs) => relay?.published(timeoutMs) ?? Promise.resolve(false),
    // An ingest record held by a store outage: not ready until it goes through.
    readiness: { ingest: async () => !(ingest?.stalled() ?? false) },
  });
  // The relay hears of each new commit from the store itself and sends it at once.
  relay = createOutboxRelay({ store: service.streams, send: kafka.send, logger });
  relay.start(200);
  // The account's own stores: the account, its Redis cache, and usage analytics (anonymised).
  const participants = await Promise.all(
    [
      { declaration: ACCOUNT_PARTICIPANT, erase: service.erase, export: service.exportAccount },
      { declaration: CACHE_PARTICIPANT, eraseMany: service.eraseCache },
      { declaration: USAGE_PARTICIPANT, erase: service.anonymiseUsage, export: service.exportUsage },
    ].map((participant) =>
      joinErasureProtocol({
        kafka,
        codec,
        logger,
        topicName,
        taskPublicKeys: config.taskPublicKeys,
        ...participant,
      }),
    ),
  );
  ingest = await startIngestConsumer({
    kafka,
    codec,
    logger,
    sealingKey: config.ingestSealingKey,
    legacySealingUntil: config.legacySealingUntil,
    handle: service.handle,
    recordUsage: service.recordUsage,
    now: () => clock.now(),
    topicName,
  });
  await service.app.listen({ host: config.host, port: config.port });

  closeOnSignals(
    [
      () => service.app.close(),
      () => ingest?.stop() ?? Promise.resolve(),
      ...participants.map((participant) => () => participant.stop()),
      () => relay.stop(),
      () => kafka.close(),
      () => tracing.shutdown(),
      () => mongo.close(),
      async () => void (await redis.quit()),
    ],
    logger,
  );
}

main().catch(exitOnFatalStartup('account'));
