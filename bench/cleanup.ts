// What every bench removes when it is done: its database, and its topics and consumer groups
// (all named under its prefix), so runs leave nothing behind on the shared stack.
import type { Db, MongoClient } from 'mongodb';

import type { KafkaClient } from '@lethe/kafka';

export async function removeBenchData(
  { db, mongo, kafka }: { db: Db; mongo: MongoClient; kafka: KafkaClient },
  prefix: string,
): Promise<void> {
  await db.dropDatabase();
  await mongo.close();
  const topics = (await kafka.admin.listTopics()).filter((topic) => topic.startsWith(prefix));
  await kafka.admin.deleteTopics(topics).catch(() => undefined);
  const groups = (await kafka.admin.listGroups()).filter((group) => group.startsWith(prefix));
  await kafka.admin.deleteGroups(groups).catch(() => undefined);
  await kafka.close();
}
