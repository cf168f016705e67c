import { startTimerSweeper, type StreamStore, type TimerSweeper } from '@lethe/eventstore';
import type { ConsumedBarrier } from '@lethe/kafka';
import { parseTraceparent, runInTrace, startHop, type Logger } from '@lethe/logger';

import type { StoredErasureState } from '../request/model';
import type { ErasureHandler } from './erasure-handler';

/** How long a sweep waits for the orchestrator to read the erasure log before it skips. */
const ANSWERS_READ_WITHIN_MS = 1_000;

/**
 * Streams whose timer is due (a task timeout, the end of a backoff, the at-risk warning, a
 * provider's retention date) get a Tick; the decider decides what the passing of time means.
 * Timeouts and risks are logged.
 */
export function startTickSweeper(deps: {
  streams: StreamStore<StoredErasureState>;
  handle: ErasureHandler;
  now: () => Date;
  logger: Logger;
  /** Whether the orchestrator has read the erasure log up to a point. */
  answersRead: ConsumedBarrier;
}): TimerSweeper {
  const { streams, handle, logger: log } = deps;
  return startTimerSweeper({
    store: streams,
    now: deps.now,
    logger: log,
    // An answer may be on the log but not yet read (the orchestrator is behind, or restarting):
    // timing its task out then would redo finished work and feed the backlog that delayed it.
    // So time passes only once the orchestrator has read what was on the erasure log when the
    // sweep began (a fixed point: steady traffic does not keep it from being reached).
    ready: () =>
      deps.answersRead.passedAll(ANSWERS_READ_WITHIN_MS).then(
        () => true,
        () => false,
      ),
    onDue: async (subjectId, at) => {
      const head = await streams.load(subjectId);
      if (!head) return;
      // The open request is the flow a tick belongs to; with none open, the completed request
      // whose provider retention it is about to confirm.
      const { state } = head;
      const request = state.status === 'open' ? state.request : state.completed.at(-1)?.request;
      const correlationId = request?.requestId ?? subjectId;
      // What time decides (a timeout, a retry) belongs to the request's trace.
      const hop = startHop('erasure tick', 'consumer', parseTraceparent(request?.traceparent));
      const result = await runInTrace(hop.trace, () =>
        handle(
          subjectId,
          { type: 'Tick', metadata: { now: at } },
          { now: at, correlationId, causationId: null },
        ),
      ).finally(() => hop.end());
      for (const event of result.events) {
        if (event.type === 'TaskOutcomeRecorded' && event.data.failureCode === 'TASK_TIMEOUT')
          log.warn(
            { participantId: event.data.participantId, attempt: event.data.attempt },
            'erasure task timed out',
          );
        if (event.type === 'ErasureDeadlineAtRisk')
          log.warn(
            { requestId: event.data.requestId, open: event.data.openParticipants },
            'erasure deadline at risk',
          );
      }
    },
  });
}
