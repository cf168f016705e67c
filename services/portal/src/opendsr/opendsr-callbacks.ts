import type { Logger } from '@lethe/logger';
import type { ServiceFetch } from '@lethe/service-kit';

import { OPENDSR_API_VERSION } from './opendsr-request';
import { isFinal, type OpenDsrProcessor } from './opendsr-processor';
import type { OpenDsrSigner } from './opendsr-signer';
import type { CallbackState, OpenDsrRecord, OpenDsrStore } from './opendsr-store';

// Section 8.5: every callback URL hears each change of state, signed, at least once. A URL that
// fails is called again with a doubling delay (up to 15 minutes) for three days, then given up
// with an error in the log; the status endpoint stays the source of truth throughout.

const FIRST_RETRY_MS = 2_000;
const LONGEST_RETRY_MS = 15 * 60 * 1000;
const GIVE_UP_MS = 3 * 24 * 60 * 60 * 1000;
const CALL_TIMEOUT_MS = 10_000;

export interface OpenDsrCallbacks {
  /** Reads each watched request's state and calls the URLs that have not heard it; returns calls made. */
  deliverDue(): Promise<number>;
  start(intervalMs: number): () => void;
}

/** The body of a status answer or callback (sections 8.3 and 8.6). */
export function statusBody(record: OpenDsrRecord, resultsUrl: (record: OpenDsrRecord) => string | undefined) {
  const results = record.status === 'completed' ? resultsUrl(record) : undefined;
  return {
    controller_id: record.controllerId,
    expected_completion_time: record.expectedAt,
    subject_request_id: record.subjectRequestId,
    request_status: record.status,
    api_version: OPENDSR_API_VERSION,
    ...(results ? { results_url: results } : {}),
    ...(record.resultsCount !== null ? { results_count: record.resultsCount } : {}),
  };
}

export function openDsrCallbacks(deps: {
  store: OpenDsrStore;
  processor: OpenDsrProcessor;
  signer: OpenDsrSigner;
  fetch: ServiceFetch;
  resultsUrl: (record: OpenDsrRecord) => string | undefined;
  logger: Logger;
  now?: () => number;
}): OpenDsrCallbacks {
  const now = deps.now ?? Date.now;

  async function call(record: OpenDsrRecord, callback: CallbackState): Promise<CallbackState> {
    const body = JSON.stringify({
      ...statusBody(record, deps.resultsUrl),
      status_callback_url: callback.url,
    });
    const at = now();
    try {
      const answer = await deps.fetch(callback.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...deps.signer.headers(body) },
        body,
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      await answer.arrayBuffer();
      if (answer.ok)
        return { ...callback, delivered: record.status, attempts: 0, nextAt: 0, failingSince: null };
      deps.logger.warn(
        { host: new URL(callback.url).host, status: answer.status },
        'OpenDSR callback refused',
      );
    } catch (error) {
      deps.logger.warn({ host: new URL(callback.url).host, err: error }, 'OpenDSR callback failed');
    }
    const attempts = callback.attempts + 1;
    return {
      ...callback,
      attempts,
      nextAt: at + Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), LONGEST_RETRY_MS),
      failingSince: callback.failingSince ?? at,
    };
  }

  const givenUp = (callback: CallbackState) =>
    callback.failingSince !== null && now() - callback.failingSince > GIVE_UP_MS;
  const settled = (record: OpenDsrRecord, callback: CallbackState) =>
    callback.delivered === record.status || givenUp(callback);

  // The one writer of a watched record's status (the status endpoint only reads), so a slower
  // read can never write an older status back over a newer one.
  async function deliver(stored: OpenDsrRecord): Promise<number> {
    const record = await deps.processor.refresh(stored);
    const changed =
      record.status !== stored.status ||
      record.expectedAt !== stored.expectedAt ||
      record.resultsCount !== stored.resultsCount;
    if (changed) await deps.store.save(record);
    let calls = 0;
    const callbacks: CallbackState[] = [];
    for (const [index, callback] of record.callbacks.entries()) {
      if (settled(record, callback) || callback.nextAt > now()) {
        callbacks.push(callback);
        continue;
      }
      calls += 1;
      const after = await call(record, callback);
      if (givenUp(after))
        deps.logger.error({ host: new URL(after.url).host }, 'OpenDSR callback given up after three days');
      await deps.store.saveCallback(record, index, after);
      callbacks.push(after);
    }
    if (isFinal(record.status) && callbacks.every((callback) => settled(record, callback)))
      await deps.store.unwatch(record);
    return calls;
  }

  const callbacks: OpenDsrCallbacks = {
    async deliverDue() {
      let calls = 0;
      for (const record of await deps.store.watched()) {
        try {
          calls += await deliver(record);
        } catch (error) {
          // One request's failure (a service down a moment) waits for the next round.
          deps.logger.warn({ err: error }, 'OpenDSR status check failed');
        }
      }
      return calls;
    },
    start(intervalMs) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        void callbacks.deliverDue().finally(() => {
          running = false;
        });
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
  return callbacks;
}
