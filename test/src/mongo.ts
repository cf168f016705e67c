import { MongoClient, type Db } from 'mongodb';

import { uniqueName } from './isolation';
import { testServers } from './servers';

/** A test file's own database on the real MongoDB-wire server; `drop()` removes it. */
export async function testDatabase(
  prefix: string,
): Promise<{ db: Db; client: MongoClient; drop: () => Promise<void> }> {
  const client = new MongoClient(testServers().mongoUrl);
  await client.connect();
  const db = client.db(uniqueName(prefix).replace(/-/g, '_'));
  return {
    db,
    client,
    drop: async () => {
      await db.dropDatabase();
      await client.close();
    },
  };
}
