import type { ErasureTask, TaskOutcome, TaskResult } from '@lethe/participant';
import type { ServiceFetch } from '@lethe/service-kit';

// One erasure task, POSTed to an HTTPS participant as JSON with the erasure service's signature,
// which the participant verifies before it touches data, exactly as a Kafka participant does.
// Its JSON answer becomes the same TaskResult a Kafka participant's erase returns.

const OUTCOMES: readonly TaskOutcome[] = [
  'erased',
  'anonymised',
  'not-found',
  'provider-retention',
  'retained-legal',
  'retained-consent',
];

/** A failed call, with a stable code; `retriable` says whether the erasure service tries again. */
export class HttpsParticipantError extends Error {
  override readonly name = 'HttpsParticipantError';
  constructor(
    readonly code:
      'HTTPS_PARTICIPANT_UNREACHABLE' | 'HTTPS_PARTICIPANT_REFUSED' | 'HTTPS_PARTICIPANT_BAD_ANSWER',
    readonly retriable: boolean,
    message: string,
  ) {
    super(message);
  }
}

/** The body the participant receives: the task, and what it needs to verify its signature. */
export function taskRequestBody(participantId: string, task: ErasureTask) {
  return {
    type: 'lethe.erasure-task.v1',
    task: {
      requestId: task.requestId,
      subjectId: task.subjectId,
      participantId,
      scope: task.scope,
      attempt: task.attempt,
    },
    signature: task.signature,
    deadlineAt: task.deadlineAt.toISOString(),
  };
}

const isCountMap = (value: unknown): value is Record<string, number> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((count) => Number.isInteger(count) && (count as number) >= 0);

/** The participant's answer as a TaskResult, or why it is not one. */
export function taskResultFrom(answer: unknown): TaskResult | string {
  if (typeof answer !== 'object' || answer === null) return 'the answer is not a JSON object';
  const { outcome, counts, verifiedEmpty, evidence, retainedUntil } = answer as Record<string, unknown>;
  if (!OUTCOMES.includes(outcome as TaskOutcome)) return `outcome must be one of ${OUTCOMES.join(', ')}`;
  if (!isCountMap(counts)) return 'counts must map each store to a whole number';
  if (typeof verifiedEmpty !== 'boolean') return 'verifiedEmpty must be true or false';
  if (evidence === undefined) return 'evidence is missing (what the read-back saw)';
  const until =
    retainedUntil === undefined || retainedUntil === null ? undefined : new Date(retainedUntil as string);
  if (until && Number.isNaN(until.getTime())) return 'retainedUntil must be an ISO 8601 time';
  return {
    outcome: outcome as TaskOutcome,
    counts,
    verifiedEmpty,
    evidence,
    ...(until ? { retainedUntil: until } : {}),
  };
}

export interface CallOptions {
  fetch: ServiceFetch;
  endpoint: string;
  body: unknown;
  /** Per call: the participant's declared timeout, as for a Kafka participant's answer. */
  timeoutMs: number;
  /** Calls before giving up for this attempt (the erasure service then retries the task). */
  calls?: number;
  /** The wait before the second call; it doubles each time. */
  firstBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * POSTs the task; retries a network error, a timeout, 408, 429 and 5xx with doubling waits, and
 * gives up at once on any other 4xx (the participant refused it: a bad signature, say).
 */
export async function callHttpsParticipant(options: CallOptions): Promise<TaskResult> {
  const calls = options.calls ?? 4;
  const sleep = options.sleep ?? delay;
  const now = options.now ?? Date.now;
  // The whole attempt fits in the declared timeout, as a Kafka participant's answer must.
  const deadline = now() + options.timeoutMs;
  let wait = options.firstBackoffMs ?? 500;
  let last = 'not called';
  for (let call = 1; call <= calls; call += 1) {
    if (call > 1) {
      if (now() + wait >= deadline) break;
      await sleep(wait);
      wait *= 2;
    }
    const budget = Math.max(1, deadline - now());
    const signal = AbortSignal.timeout(budget);
    let response: Response;
    try {
      response = await options.fetch(options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(options.body),
        signal,
      });
    } catch {
      last = signal.aborted ? `no answer in ${budget} ms` : 'unreachable';
      continue;
    }
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      last = `HTTP ${response.status}`;
      await response.body?.cancel();
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new HttpsParticipantError('HTTPS_PARTICIPANT_REFUSED', false, `HTTP ${response.status}`);
    }
    const result = taskResultFrom(await response.json().catch(() => undefined));
    if (typeof result === 'string')
      throw new HttpsParticipantError('HTTPS_PARTICIPANT_BAD_ANSWER', false, result);
    return result;
  }
  throw new HttpsParticipantError('HTTPS_PARTICIPANT_UNREACHABLE', true, `gave up (${last})`);
}
