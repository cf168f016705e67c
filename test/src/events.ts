import type { EventCodec, LetheEvent } from '@lethe/events';
import type { KafkaClient, TopicRecord } from '@lethe/kafka';

export type RawRecord = TopicRecord;

/** Every record on a topic up to now (its high watermarks), as bytes, read once from offset 0. */
export async function readAllRecords(kafka: KafkaClient, topic: string): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  await kafka.readTopic(topic, (record) => void records.push(record));
  return records;
}

/** Every event on a topic up to now, decoded, read once from offset 0. */
export async function readAllEvents(
  kafka: KafkaClient,
  codec: EventCodec,
  topic: string,
): Promise<LetheEvent[]> {
  const records = await readAllRecords(kafka, topic);
  return Promise.all(records.map(async (record) => (await codec.decode(record.value!)).event));
}
