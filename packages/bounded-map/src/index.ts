/**
 * A Map with a memory bound: at most `maxEntries`, and a write past the bound drops the entry
 * written longest ago. Reads do not reorder, so a hot read path costs one lookup. The caches
 * that use it (verified tokens, unwrapped keys, streams last seen) tolerate a miss: they go
 * back to the source.
 *
 * The order of writes is kept in a queue of its own, not read from the Map: a JavaScript Map
 * leaves a hole where an entry was deleted, and finding the oldest entry by iterating from the
 * front walked over every hole since the last rehash. Once full, each write then cost time in
 * proportion to the bound: 1,000,000 writes to a map of 100,000 took 58 s, and the audit
 * writer's start-up over 1,000,000 events took 71 s.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, { value: V; write: number }>();
  /** Keys in the order written, with the write each stands for; a key written again or deleted leaves a stale place behind. */
  private order: { key: K; write: number }[] = [];
  /** Where the oldest place not yet evicted is in `order`. */
  private head = 0;
  private writes = 0;

  constructor(private readonly maxEntries: number) {
    if (!(maxEntries >= 1)) throw new RangeError('a BoundedMap keeps at least one entry');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Stores the value as the newest entry, dropping the oldest past the bound. */
  set(key: K, value: V): this {
    this.writes += 1;
    this.entries.set(key, { value, write: this.writes });
    this.order.push({ key, write: this.writes });
    if (this.entries.size > this.maxEntries) this.dropOldest();
    this.compactOrder();
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  private dropOldest(): void {
    while (this.head < this.order.length) {
      const { key, write } = this.order[this.head]!;
      this.head += 1;
      // A stale place (rewritten or deleted since) is passed over: the entry is newer, or gone.
      if (this.entries.get(key)?.write === write) {
        this.entries.delete(key);
        return;
      }
    }
  }

  /**
   * Drops the queue's stale places once they outnumber the live ones, so the queue stays within
   * twice the entries (a key rewritten a million times is one entry, not a million places).
   * Each compaction follows at least as many writes as it copies: constant time per write.
   */
  private compactOrder(): void {
    const places = this.order.length - this.head;
    if (places <= 2 * this.entries.size + 16) return;
    this.order = this.order
      .slice(this.head)
      .filter(({ key, write }) => this.entries.get(key)?.write === write);
    this.head = 0;
  }
}
