import { startTimerSweeper, type StreamStore, type TimerSweeper } from '@lethe/eventstore';
import type { Logger } from '@lethe/logger';

import type { StoredErasureState } from '../request/model';
import type { ErasureHandler } from './erasure-handler';

/**
 * Streams whose timer is due (a task timeout, the end of a backoff, the at-risk warning) get a
 * Tick; the decider decides what the passing of time means. Timeouts and risks are logged.
 */
export function startTickSweeper(deps: {
  streams: StreamStore<StoredErasureState>;
  handle: ErasureHandler;
  now: () => Date;
  logger: Logger;
}): TimerSweeper {
  const { streams, handle, logger: log } = deps;
  return startTimerSweeper({
    store: streams,
    now: deps.now,
    logger: log,
    onDue: async (subjectId, at) => {
      const head = await streams.load(subjectId);
      if (head?.state.status !== 'open') return;
      // The request is the flow a tick belongs to.
      const correlationId = head.state.request.requestId;
      const result = await handle(
        subjectId,
        { type: 'Tick', metadata: { now: at } },
        { now: at, correlationId, causationId: null },
      );
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
