import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';

import { testServers, uniqueName } from '@lethe/test-harness';

import { isDuplicateKey } from './errors';
import { createInsertBatcher } from './insert-batcher';

describe('inserts batched into one command on the real MongoDB-wire server', () => {
  let db: Db;
  let client: MongoClient;
  const insertCommands: CommandStartedEvent[] = [];

  beforeAll(async () => {
    client = await MongoClient.connect(testServers().mongoUrl, { monitorCommands: true });
    db = client.db(uniqueName('insert_batcher').replace(/-/g, '_'));
    client.on('commandStarted', (event) => {
      if (event.commandName === 'insert') insertCommands.push(event);
    });
  });
  afterAll(async () => {
    await db.dropDatabase();
    await client.close();
  });

  it('stores documents inserted at once in fewer commands, and each caller learns its own outcome', async () => {
    const collection = db.collection<{ _id: string; n: number }>('batched');
    await collection.insertOne({ _id: 'taken', n: 0 });
    insertCommands.length = 0;
    const batcher = createInsertBatcher(collection);

    const ids = [...Array.from({ length: 30 }, (_, n) => `doc-${n}`), 'taken', 'doc-3'];
    const outcomes = await Promise.allSettled(ids.map((_id, n) => batcher.insert({ _id, n })));

    const refused = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [index] : []));
    expect(refused).toEqual([30, 31]); // the existing id, and the second insert of doc-3
    for (const index of refused)
      expect(isDuplicateKey((outcomes[index] as PromiseRejectedResult).reason)).toBe(true);
    // The first went alone; the rest, queued behind it, in one more command.
    expect(insertCommands.length).toBe(2);
    expect(await collection.countDocuments({})).toBe(31);
    expect((await collection.findOne({ _id: 'doc-3' }))?.n).toBe(3);
  });

  it('keeps the server message (it can quote the key) out of a refused insert', async () => {
    const collection = db.collection<{ _id: string }>('quoted');
    await collection.insertOne({ _id: 'subject-4711' });
    const batcher = createInsertBatcher(collection);

    const outcomes = await Promise.allSettled([
      batcher.insert({ _id: 'first' }),
      batcher.insert({ _id: 'subject-4711' }),
      batcher.insert({ _id: 'third' }),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).not.toContain('subject-4711');
  });
});
