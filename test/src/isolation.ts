import { randomBytes } from 'node:crypto';

/** Set once per jest run by global setup: every name the run makes carries it. */
export const TEST_RUN_VARIABLE = 'LETHE_TEST_RUN';

/** A run id: `r` and the run's start in seconds, base 36 (what global teardown reads back). */
export function newTestRunId(now = Date.now()): string {
  return `r${Math.floor(now / 1000).toString(36)}`;
}

/**
 * A name no other test run uses: for topics, consumer groups, databases, registry subjects.
 * It carries the run's id, so global teardown deletes what the run made on the broker.
 */
export function uniqueName(prefix: string): string {
  const run = process.env[TEST_RUN_VARIABLE] ?? newTestRunId();
  return `${prefix}-${run}-${randomBytes(4).toString('hex')}`;
}

/** Polls every `intervalMs` until `probe` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
