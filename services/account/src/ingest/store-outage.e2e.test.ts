import { MongoClient } from 'mongodb';

import { isEventOfType } from '@lethe/events';
import { createOutboxRelay, type OutboxRelay } from '@lethe/eventstore';
import {
  eventually,
  openTestScope,
  privateMongo,
  readAllEvents,
  testLogger,
  type PrivateMongo,
  type TestScope,
} from '@lethe/test-harness';

import { INGEST_TOPICS, startIngestRig, type IngestRig } from '../../test/ingest-rig';
import { ACCOUNT_EVENTS_TOPIC } from '../events/to-records';
import { ACCOUNT_INGEST_TOPIC } from './ingest-command';

// The store stops for a while under steady ingest (its own FerretDB, never the shared one):
// nothing is dead-lettered, the service says it is not ready meanwhile, and once the store is
// back every sign-up becomes exactly one account.

const OUTAGE_MS = Number(process.env.LETHE_OUTAGE_TEST_MS ?? 90_000);
const SIGN_UP_EVERY_MS = 3_000;

describe('a store outage under steady ingest', () => {
  let scope: TestScope;
  let mongo: PrivateMongo;
  let client: MongoClient;
  let rig: IngestRig;
  let relay: OutboxRelay;

  beforeAll(async () => {
    scope = await openTestScope('outage', { topics: INGEST_TOPICS, partitions: 3 });
    mongo = await privateMongo();
    // Quick to notice the store is gone, so the test sees retries rather than long waits.
    client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 2_000 });
    await client.connect();
    // The scope's own database, through the private server.
    rig = await startIngestRig(scope, { producer: 'outage-test', db: client.db(scope.db.databaseName) });
    relay = createOutboxRelay({ store: rig.service.streams, send: scope.kafka.send, logger: testLogger() });
    relay.start(100);
  });
  afterAll(async () => {
    await relay?.stop();
    await rig?.stop();
    // Dropped through the server that wrote it: the shared one's drop did not see it, and the
    // database outlived the run.
    await client?.db(scope.db.databaseName).dropDatabase();
    await scope?.close();
    await client?.close();
    await mongo?.destroy();
  });

  it(
    `loses no sign-up and dead-letters none while the store is down ${OUTAGE_MS / 1000} s`,
    async () => {
      const subjects: string[] = [];
      const signUp = async () =>
        subjects.push(
          (await rig.emitter.signedUp({ email: `u${subjects.length}@example.com`, name: 'U' })).subjectId,
        );
      for (let i = 0; i < 3; i += 1) await signUp();
      await eventually(
        async () => ((await rig.service.streams.load(subjects[2]!)) ? true : undefined),
        30_000,
      );

      await mongo.stop();
      const outageEnds = Date.now() + OUTAGE_MS;
      let sawNotReady = false;
      while (Date.now() < outageEnds) {
        await signUp();
        const ready = await rig.service.app.inject({ url: '/readyz' });
        if (ready.statusCode !== 200) sawNotReady = true;
        await new Promise((resolve) => setTimeout(resolve, SIGN_UP_EVERY_MS));
      }
      await mongo.start();
      for (let i = 0; i < 3; i += 1) await signUp();

      // Every sign-up is an account, once; nothing went to the dead-letter topic.
      await eventually(
        async () => {
          for (const subjectId of subjects)
            if (!(await rig.service.streams.load(subjectId))) return undefined;
          return true;
        },
        120_000,
        `all ${subjects.length} accounts after the outage`,
      );
      await relay.flush();
      const created = (
        await readAllEvents(scope.kafka, scope.codec, scope.topicName(ACCOUNT_EVENTS_TOPIC))
      ).filter((event) => isEventOfType(event, 'AccountCreated'));
      expect(created.map((event) => event.envelope.subjectId).sort()).toEqual([...subjects].sort());
      const deadLetters = await scope.admin.endOffsets(`${scope.topicName(ACCOUNT_INGEST_TOPIC)}.dlq`);
      expect(deadLetters.reduce((sum, partition) => sum + partition.high, 0)).toBe(0);
      expect(sawNotReady).toBe(true);
      await eventually(async () =>
        (await rig.service.app.inject({ url: '/readyz' })).statusCode === 200 ? true : undefined,
      );
    },
    OUTAGE_MS + 240_000,
  );
});
