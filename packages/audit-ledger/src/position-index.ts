/**
 * Values by record position (topic, partition, offset) without building a string key per
 * record: replaying 2,000,000 records, string keys were most of the garbage collector's work.
 */
export class PositionIndex<V> {
  private readonly topics = new Map<string, Map<number, Map<number, V>>>();

  partition(topic: string, partition: number): Map<number, V> {
    let partitions = this.topics.get(topic);
    if (!partitions) this.topics.set(topic, (partitions = new Map<number, Map<number, V>>()));
    let offsets = partitions.get(partition);
    if (!offsets) partitions.set(partition, (offsets = new Map<number, V>()));
    return offsets;
  }

  get(topic: string, partition: number, offset: number): V | undefined {
    return this.topics.get(topic)?.get(partition)?.get(offset);
  }

  set(topic: string, partition: number, offset: number, value: V): void {
    this.partition(topic, partition).set(offset, value);
  }

  *entries(): Generator<[string, number, number, V]> {
    for (const [topic, partitions] of this.topics)
      for (const [partition, offsets] of partitions)
        for (const [offset, value] of offsets) yield [topic, partition, offset, value];
  }
}
