// A participant in its own process, for the kill -9 test: a service's MongoDB collection of
// notes, joined to the erasure protocol with the SDK. With LETHE_TEST_HANG_AFTER_ERASE=1 it
// erases, marks that it did, and then hangs without answering, so the test can kill it there.
import { MongoClient } from 'mongodb';

import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import { connectKafka, kafkaConnectionFromEnv } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';
import { joinErasureProtocol } from '@lethe/participant';
import { publicKeyFrom, topicNamer } from '@lethe/service-kit';

async function main() {
  const env = process.env;
  const logger = createLogger({ name: 'notes-participant', level: 'warn' });
  const mongo = await MongoClient.connect(env.LETHE_MONGO_URL!);
  const db = mongo.db(env.LETHE_MONGO_DATABASE);
  const notes = db.collection<{ subjectId: string }>('notes');
  const marks = db.collection<{ _id: string; pid: number }>('participant_marks');
  await joinErasureProtocol({
    kafka: await connectKafka({ ...kafkaConnectionFromEnv(env), clientId: 'notes-participant' }, logger),
    taskPublicKeys: env.LETHE_TASK_PUBLIC_KEYS!.split(',').map(publicKeyFrom),
    codec: createEventCodec({
      registry: createSchemaRegistry(env.LETHE_REGISTRY_URL!, { caFile: env.LETHE_TLS_CA_FILE }),
      catalog: loadCatalog(),
    }),
    logger,
    topicName: topicNamer(env.LETHE_TOPIC_PREFIX ?? ''),
    declaration: {
      participantId: 'notes',
      stores: ['mongodb:notes'],
      categories: ['user-content'],
      phase: 1,
      timeoutMs: 120_000,
    },
    erase: async ({ subjectId, attempt }) => {
      const { deletedCount } = await notes.deleteMany({ subjectId });
      await marks.insertOne({ _id: `erased:${process.pid}:${attempt}`, pid: process.pid });
      if (env.LETHE_TEST_HANG_AFTER_ERASE === '1') await new Promise(() => undefined);
      const remaining = await notes.countDocuments({ subjectId });
      return {
        outcome: 'erased',
        counts: { 'mongodb:notes': deletedCount },
        verifiedEmpty: remaining === 0,
        evidence: { remaining },
      };
    },
  });
  await marks.insertOne({ _id: `ready:${process.pid}`, pid: process.pid });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
