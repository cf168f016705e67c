import type { Logger } from '@lethe/logger';

export type Closer = () => Promise<void>;

/**
 * On SIGTERM or SIGINT, runs the closers in order (consumers first, so the records in hand are
 * finished and committed; then producers and connections) and exits. A second signal, or a
 * shutdown that takes longer than `timeoutMs`, exits at once: the uncommitted records come again.
 */
export function closeOnSignals(closers: readonly Closer[], logger: Logger, timeoutMs = 30_000): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    void (async () => {
      let failed = false;
      for (const close of closers) {
        try {
          await close();
        } catch (error) {
          failed = true;
          logger.error({ err: error }, 'a closer failed during shutdown');
        }
      }
      process.exit(failed ? 1 : 0);
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
