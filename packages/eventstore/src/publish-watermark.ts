/**
 * Counts the commits this process hands to the relay and how far Kafka has taken them, so a
 * caller can wait until everything it stored is on Kafka.
 */
export function createPublishWatermark() {
  let handedOver = 0;
  let publishedUpTo = 0;
  const waiters: { seq: number; resolve: () => void }[] = [];
  return {
    /** Numbers the next commit handed over. */
    next: () => (handedOver += 1),
    /** Every commit numbered up to `seq` is on Kafka. */
    settle(seq: number): void {
      publishedUpTo = Math.max(publishedUpTo, seq);
      for (let i = waiters.length - 1; i >= 0; i -= 1)
        if (waiters[i]!.seq <= publishedUpTo) waiters.splice(i, 1)[0]!.resolve();
    },
    /** Whether every commit handed over before the call is on Kafka within `timeoutMs`. */
    async published(timeoutMs: number): Promise<boolean> {
      const seq = handedOver;
      if (seq <= publishedUpTo) return true;
      let timer: NodeJS.Timeout | undefined;
      const onKafka = new Promise<boolean>((resolve) => waiters.push({ seq, resolve: () => resolve(true) }));
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      try {
        return await Promise.race([onKafka, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
