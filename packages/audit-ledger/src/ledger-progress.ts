/** Waiters are woken after this many entries (one promise for all of them). */
const WAKE_EVERY = 256;

/**
 * How far a replay has read the ledger, per audited partition: the topics and the ledger are
 * read at once, and a record read before the ledger reached its entry had to be kept (with the
 * fetch buffer its bytes are a slice of) until both reads ended. At 1,000,000 events that held
 * eight records in ten and 1.8 GiB. A record now waits until the ledger has passed its offset,
 * which is soon: the writer ledgers each partition in offset order.
 */
export class LedgerProgress {
  /** topic -> partition -> the highest offset the ledger has named so far. */
  private readonly highest = new Map<string, Map<number, number>>();
  private ended = false;
  private release!: () => void;
  private advance!: Promise<void>;
  private sinceRelease = 0;

  constructor() {
    this.nextAdvance();
  }

  /** The ledger named this record. */
  note(topic: string, partition: number, offset: number): void {
    let partitions = this.highest.get(topic);
    if (!partitions) this.highest.set(topic, (partitions = new Map<number, number>()));
    if ((partitions.get(partition) ?? -1) < offset) partitions.set(partition, offset);
    this.sinceRelease += 1;
    if (this.sinceRelease >= WAKE_EVERY) this.wake();
  }

  /** The ledger read is over (done or failed): nobody waits any more. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Whether the ledger can still name this record later in the read. */
  ahead(topic: string, partition: number, offset: number): boolean {
    return !this.ended && (this.highest.get(topic)?.get(partition) ?? -1) < offset;
  }

  /** Resolves once the ledger has read further (or ended). */
  advanced(): Promise<void> {
    return this.advance;
  }

  private wake(): void {
    this.sinceRelease = 0;
    const release = this.release;
    this.nextAdvance();
    release();
  }

  private nextAdvance(): void {
    this.advance = new Promise((resolve) => (this.release = resolve));
  }
}
