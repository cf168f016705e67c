import type { IHeaders, Kafka } from 'kafkajs';

import type { EventCodec, LetheEvent } from '@lethe/events';

import { eventually, uniqueName } from './isolation';

export interface RawRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/** Every record on a topic up to now (its high watermarks), as bytes, read once from offset 0. */
export async function readAllRecords(kafka: Kafka, topic: string): Promise<RawRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const high = (await admin.fetchTopicOffsets(topic)).reduce(
    (sum, partition) => sum + Number(partition.high),
    0,
  );
  await admin.disconnect();
  if (high === 0) return [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const records: RawRecord[] = [];
  await consumer.run({
    eachMessage: async ({ partition, message }) =>
      void records.push({
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: message.headers ?? {},
      }),
  });
  try {
    return await eventually(
      async () => (records.length >= high ? records : undefined),
      20_000,
      `the records on ${topic}`,
    );
  } finally {
    await consumer.disconnect();
  }
}

/** Every event on a topic up to now, decoded, read once from offset 0. */
export async function readAllEvents(kafka: Kafka, codec: EventCodec, topic: string): Promise<LetheEvent[]> {
  const records = await readAllRecords(kafka, topic);
  return Promise.all(records.map(async (record) => (await codec.decode(record.value!)).event));
}
