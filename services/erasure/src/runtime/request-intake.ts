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

  async function decide(input: RequestErasureInput): Promise<string> {
    const requestId = input.requestId ?? newRequestId();
    await requests.add(requestId, input.subjectId);
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
          legalRetention: await deps.legalRetention(),
          ...traceOfRequest(),
        },
        metadata: { now: at },
      },
      { now: at, correlationId: requestId, causationId: input.causationId ?? null },
    );
    // Joined an open request: the caller follows that one.
    return result.state.status === 'open' ? result.state.request.requestId : requestId;
  }

  async function request(input: RequestErasureInput): Promise<string> {
    await deps.holdsApplied.passed(input.subjectId);
    return decide(input);
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
