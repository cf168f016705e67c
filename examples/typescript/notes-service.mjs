// A service outside Lethe's repository, in TypeScript's runtime: it signs a user up, changes the
// profile, keeps notes in its own MongoDB collection, and joins erasure for that collection.
// Installed with `npm install @lethe/client mongodb`; the connection comes from `./lethe env`.
import { readFileSync } from 'node:fs';

import { createAccountEventsClient, joinLethe } from '@lethe/client';
import { MongoClient } from 'mongodb';

const env = process.env;
const connection = {
  brokers: env.LETHE_KAFKA_BROKERS.split(','),
  tls: { ca: [readFileSync(env.LETHE_TLS_CA_FILE, 'utf8')] },
  sasl: {
    mechanism: 'scram-sha-512',
    username: env.LETHE_KAFKA_SASL_USERNAME,
    password: env.LETHE_KAFKA_SASL_PASSWORD,
  },
  registryUrl: env.LETHE_REGISTRY_URL,
  registryCaFile: env.LETHE_TLS_CA_FILE,
  // Side-by-side copies of Lethe (tests) prefix their topics, as its services do; production has none.
  topicName: (topic) => (env.LETHE_TOPIC_PREFIX ? `${env.LETHE_TOPIC_PREFIX}.${topic}` : topic),
};

const mongo = await MongoClient.connect(env.NOTES_MONGO_URL);
const notes = mongo.db(env.NOTES_DATABASE).collection('notes');

// Account events: personal fields are sealed (HPKE) to the account service before they leave.
const lethe = await createAccountEventsClient({
  producer: 'notes',
  accountPublicKey: env.LETHE_ACCOUNT_INGEST_PUBLIC_KEY, // ./lethe ingest-key public
  ...connection,
});
const { subjectId } = await lethe.signedUp({ email: 'ada@example.com', name: 'Ada Lovelace' });
await lethe.profileChanged(subjectId, { email: 'ada@lovelace.example' });
await notes.insertMany([
  { subjectId, text: 'Lunch with Charles' },
  { subjectId, text: 'Notes on the Analytical Engine' },
]);

// Erasure: Lethe sends a signed task; erase, read back, answer. A task can come twice.
const participant = await joinLethe({
  clientId: 'notes',
  ...connection,
  taskPublicKeys: env.LETHE_TASK_PUBLIC_KEYS.split(','),
  declaration: {
    participantId: 'notes',
    stores: ['mongodb:notes'],
    categories: ['user-content'],
    phase: 1,
    timeoutMs: 30_000,
  },
  erase: async (task) => {
    const { deletedCount } = await notes.deleteMany({ subjectId: task.subjectId });
    const remaining = await notes.countDocuments({ subjectId: task.subjectId });
    return {
      outcome: 'erased',
      counts: { 'mongodb:notes': deletedCount },
      verifiedEmpty: remaining === 0,
      evidence: { remaining },
    };
  },
  export: async (task) => ({
    records: {
      'mongodb:notes': await notes.find({ subjectId: task.subjectId }, { projection: { _id: 0 } }).toArray(),
    },
  }),
});

console.log(JSON.stringify({ subjectId, taskTopic: participant.taskTopic }));
process.once('SIGTERM', async () => {
  await participant.stop();
  await lethe.close();
  await mongo.close();
});
