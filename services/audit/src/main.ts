// The audit service process: configuration, connections, the ledger writer, HTTP, and an orderly
// stop on SIGTERM.
import { MongoClient } from 'mongodb';

import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import { closeOnSignals, connectKafka } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';
import { exitOnFatalStartup, serviceOperations, startTracing, topicNamer } from '@lethe/service-kit';

import { loadAuditConfig } from './config';
import { startAuditService } from './service';

async function main() {
  const config = loadAuditConfig();
  const logger = createLogger({ name: 'audit', level: config.logLevel });
  const tracing = startTracing('audit', config.tracing);
  const mongo = await MongoClient.connect(config.mongoUrl);
  const kafka = await connectKafka({ ...config.kafka, clientId: 'lethe-audit' }, logger);
  const service = await startAuditService({
    db: mongo.db(config.mongoDatabase),
    kafka,
    codec: createEventCodec({
      registry: createSchemaRegistry(config.registryUrl, { caFile: config.tlsCaFile }),
      catalog: loadCatalog(),
    }),
    logger,
    publicKeys: config.publicKeys,
    tokens: config.tokens,
    https: config.https,
    operations: serviceOperations('audit', kafka),
    signingKey: config.signingKey,
    checkpointEvery: config.checkpointEvery,
    checkpointIdleMs: config.checkpointIdleMs,
    dedupeWindow: config.dedupeWindow,
    topicName: topicNamer(config.topicPrefix),
  });
  await service.app.listen({ host: config.host, port: config.port });
  closeOnSignals(
    [() => service.stop(), () => kafka.close(), () => tracing.shutdown(), () => mongo.close()],
    logger,
  );
}

main().catch(exitOnFatalStartup('audit'));
