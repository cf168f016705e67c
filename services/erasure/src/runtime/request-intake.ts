import { newRequestId, type LetheEvent } from '@lethe/events';
import type { ConsumedBarrier } from '@lethe/kafka';
import { currentTrace, formatTraceparent } from '@lethe/logger';

import type { Reaction, RequestErasureInput } from '../reactions';
import type { LegalRetentionTerm, Registration } from '../request/model';
import type { ErasureHandler } from './erasure-handler';
import type { RequestIndex } from './request-index';

export interface RequestIntake {
  /** Decides a request from outside the hold log, once every hold placed before it is applied. */
  request(input: RequestErasureInput): Promise<string>;
  /**
   * Carries out a reaction to a consumed event. `ordered`: the event came on the hold log
   * itself, whose partition order already puts every earlier hold first.
   */
  run(reaction: Reaction | undefined, event: LetheEvent, ordered: boolean): Promise<void>;
}

export interface RequestIntakeDeps {
  handle: ErasureHandler;
  requests: RequestIndex;
  participants: () => readonly Registration[];
  /** Whether the hold log's consumer has applied everything on a subject's partition. */
  holdsApplied: ConsumedBarrier;
  /** The policy's legal retention terms now (a snapshot goes with each request). */
  legalRetention: () => Promise<readonly LegalRetentionTerm[]>;
  now: () => Date;
}

/** The trace the request is made in, kept with it: its timeouts and retries continue it. */
function traceOfRequest(): { traceparent?: string } {
  const trace = currentTrace();
  return trace ? { traceparent: formatTraceparent(trace) } : {};
}

/** Where every erasure request enters: HTTP, account deletions, expiries. */
export function createRequestIntake(deps: RequestIntakeDeps): RequestIntake {
  const { handle, requests, now } = deps;

  /**
   * Decides a request. `before`: what must be true first (the hold barrier); it runs beside the
   * request's index entry and the legal terms' read, which need not wait for it: a request took
   * each in turn (22 ms from the POST to its answer, unloaded; bench/erasure-latency.ts).
   */
  async function decide(input: RequestErasureInput, before?: Promise<void>): Promise<string> {
    const requestId = input.requestId ?? newRequestId();
    const [legalRetention] = await Promise.all([
      deps.legalRetention(),
      requests.add(requestId, input.subjectId),
      before,
    ]);
    const at = now();
    const result = await handle(
      input.subjectId,
      {
        type: 'RequestErasure',
        data: {
          requestId,
          subjectId: input.subjectId,
          scope: input.scope ?? { all: true, categories: [] },
          reason: input.reason,
          regulation: input.regulation,
          participants: deps.participants(),
          legalRetention,
          ...traceOfRequest(),
        },
        metadata: { now: at },
      },
      { now: at, correlationId: requestId, causationId: input.causationId ?? null },
    );
    // Joined an open request: the caller follows that one.
    return result.state.status === 'open' ? result.state.request.requestId : requestId;
  }

  function request(input: RequestErasureInput): Promise<string> {
    return decide(input, deps.holdsApplied.passed(input.subjectId));
  }

  return {
    request,
    async run(reaction, event, ordered) {
      if (!reaction) return;
      if (reaction.kind === 'request') {
        await (ordered ? decide(reaction.input) : request(reaction.input));
        return;
      }
      const at = reaction.command.metadata.now;
      await handle(reaction.subjectId, reaction.command, {
        now: at,
        correlationId: event.envelope.correlationId,
        causationId: event.envelope.eventId,
      });
    },
  };
}
