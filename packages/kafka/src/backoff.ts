export interface RetryPolicy {
  /** Attempts at a record failing retriably, the first included, after which the runner
   * reports itself stalled (and keeps retrying: a retriable failure is never dead-lettered). */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 200, maxBackoffMs: 10_000 };

/** Exponential backoff with full jitter, so many consumers failing together do not retry together. */
export function backoffMs(
  policy: RetryPolicy,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
