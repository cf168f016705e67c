// Where an erasure request's time goes: when each step of the protocol (the request, each
// participant's task and answer, the completion) reached the bench's watcher, per request, and
// the median over the sequential requests. The watcher is one more consumer, so every step is
// seen a consumer's hop after it was produced: the differences between steps are what count.
import type { LetheEvent } from '@lethe/events';

/** A protocol step: the event type, and the participant for a task or its answer. */
const stepOf = (event: LetheEvent): string => {
  const { participantId } = event.data as { participantId?: string };
  return participantId ? `${event.envelope.type} (${participantId})` : event.envelope.type;
};

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export class RequestSteps {
  /** requestId -> step -> when the watcher first saw it. */
  private readonly seen = new Map<string, Map<string, number>>();

  saw(event: LetheEvent, at: number): void {
    const { requestId } = event.data as { requestId?: string };
    if (requestId) this.mark(requestId, stepOf(event), at);
  }

  /** A step the bench itself saw (the POST's answer). */
  mark(requestId: string, step: string, at: number): void {
    let steps = this.seen.get(requestId);
    if (!steps) this.seen.set(requestId, (steps = new Map<string, number>()));
    if (!steps.has(step)) steps.set(step, at);
  }

  /** One line per step, in the order of their medians: "  41 ms  ErasureTaskIssued (records)". */
  timeline(requests: readonly { requestId: string; start: number }[]): string[] {
    const sinceStart = new Map<string, number[]>();
    for (const { requestId, start } of requests)
      for (const [step, at] of this.seen.get(requestId) ?? [])
        sinceStart.set(step, [...(sinceStart.get(step) ?? []), at - start]);
    return [...sinceStart]
      .map(([step, times]) => ({ step, ms: median(times), of: times.length }))
      .sort((a, b) => a.ms - b.ms)
      .map(
        ({ step, ms, of }) =>
          `${ms.toFixed(0).padStart(5)} ms  ${step}${of < requests.length ? ` (${of} of ${requests.length})` : ''}`,
      );
  }
}
