import { AUDITED_TOPICS, LEDGER_TOPIC, verifyLedger } from '@lethe/audit-ledger';
import { createEventCodec, createSchemaRegistry, loadCatalog, makeEvent } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';
import { generateSigningKeys, privateKeyFrom, publicKeyFrom, topicNamer } from '@lethe/service-kit';
import {
  createPrefixedTopics,
  deleteTestTopicsAndGroups,
  eventually,
  testDatabase,
  testKafka,
  testLogger,
  testServers,
  uniqueName,
} from '@lethe/test-harness';

import { startAuditService, type AuditService } from './service';

// Entries after the last checkpoint must not stay unsigned until 100 more arrive: a quiet
// writer signs what it has.

describe('a quiet ledger writer', () => {
  const topicName = topicNamer(uniqueName('idlecp'));
  const ledgerKeys = generateSigningKeys();
  const codec = createEventCodec({
    registry: createSchemaRegistry(testServers().registryUrl),
    catalog: loadCatalog(),
  });
  let kafka: KafkaClient;
  let audit: AuditService;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await testDatabase('idlecp');
    drop = database.drop;
    kafka = await testKafka();
    await createPrefixedTopics(kafka.admin, topicName, AUDITED_TOPICS, 1);
    await createPrefixedTopics(kafka.admin, topicName, [LEDGER_TOPIC], 1);
    audit = await startAuditService({
      db: database.db,
      kafka,
      codec,
      logger: testLogger(),
      publicKeys: [],
      signingKey: privateKeyFrom(ledgerKeys.privateKey),
      checkpointEvery: 100,
      checkpointIdleMs: 300,
      topicName,
    });
  });
  afterAll(async () => {
    await audit.stop();
    await deleteTestTopicsAndGroups(kafka.admin, topicName(''));
    await kafka.close();
    await drop();
  });

  it('signs a checkpoint over its newest entry once no event has come for a while', async () => {
    const events = [1, 2, 3].map((n) =>
      makeEvent(
        'AccountErased',
        { subjectId: `sub_idle${n}`, correlationId: 'c', producer: 'test', occurredAt: Date.now() },
        { requestId: `req_idle${n}` },
      ),
    );
    await kafka.eventProducer(codec, topicName).publish(events.map((event) => ({ event })));
    const report = await eventually(
      async () => {
        const result = await verifyLedger({
          kafka,
          codec,
          publicKey: publicKeyFrom(ledgerKeys.publicKey),
          topicName,
        });
        return result.ledger.entries === 3 && result.ledger.checkpoints === 1 ? result : undefined;
      },
      20_000,
      'a checkpoint over three entries, well before a hundred',
    );
    expect(report.ok).toBe(true);
    expect(report.ledger.lastSeq).toBe(3);
    // Once signed, a quiet writer signs nothing more.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const later = await verifyLedger({
      kafka,
      codec,
      publicKey: publicKeyFrom(ledgerKeys.publicKey),
      topicName,
    });
    expect(later.ledger.checkpoints).toBe(1);
  });
});
