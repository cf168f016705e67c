import type { Kafka } from 'kafkajs';

import type { EventCodec, LetheEvent } from '@lethe/events';

import { eventually, uniqueName } from './isolation';

/** Every event on a topic up to now (its high watermarks), decoded, read once from offset 0. */
export async function readAllEvents(kafka: Kafka, codec: EventCodec, topic: string): Promise<LetheEvent[]> {
  const admin = kafka.admin();
  await admin.connect();
  const high = (await admin.fetchTopicOffsets(topic)).reduce(
    (sum, partition) => sum + Number(partition.high),
    0,
  );
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const events: LetheEvent[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => void events.push((await codec.decode(message.value!)).event),
  });
  try {
    return await eventually(
      async () => (events.length >= high ? events : undefined),
      20_000,
      `the events on ${topic}`,
    );
  } finally {
    await consumer.disconnect();
  }
}
