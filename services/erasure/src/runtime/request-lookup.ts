import type { StreamStore } from '@lethe/eventstore';
import type { ConsumedBarrier } from '@lethe/kafka';

import { upcastErasureState, type ErasureState, type StoredErasureState } from '../request/model';
import type { RequestIndex } from './request-index';

/** How long a GET for an unknown request id waits for the account log to be read. */
const CATCH_UP_TIMEOUT_MS = 15_000;

export type RequestLookup = (
  requestId: string,
) => Promise<{ subjectId: string; state: ErasureState } | undefined>;

/**
 * Finds a request's subject and state by request id. A request id the account service just gave
 * out may still be on its way here: on a miss, catch up with everything on the account log
 * now, then look again. Only then is it unknown.
 */
export function requestLookup(deps: {
  requests: RequestIndex;
  streams: StreamStore<StoredErasureState>;
  accountLogRead: ConsumedBarrier;
}): RequestLookup {
  const known = async (requestId: string) => {
    const subjectId = await deps.requests.subjectOf(requestId);
    if (!subjectId) return undefined;
    const head = await deps.streams.load(subjectId);
    return head ? { subjectId, state: upcastErasureState(head.state) } : undefined;
  };
  return async (requestId) => {
    const found = await known(requestId);
    if (found) return found;
    await deps.accountLogRead.passedAll(CATCH_UP_TIMEOUT_MS);
    return known(requestId);
  };
}
