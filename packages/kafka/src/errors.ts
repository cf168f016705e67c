// The kafka package's one error family (STYLE.md section 6).
export type KafkaPortErrorCode =
  | 'KAFKA_TOPIC_SPEC_INVALID'
  | 'KAFKA_TOPIC_NOT_READY'
  | 'KAFKA_TOPIC_MISSING'
  | 'KAFKA_RECORD_WITHOUT_VALUE'
  | 'KAFKA_DEAD_LETTER_FAILED'
  | 'KAFKA_BARRIER_TIMEOUT';

export class KafkaPortError extends Error {
  override readonly name = 'KafkaPortError';

  constructor(
    readonly code: KafkaPortErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const KAFKA_PORT_ERROR_CODES: readonly KafkaPortErrorCode[] = [
  'KAFKA_TOPIC_SPEC_INVALID',
  'KAFKA_TOPIC_NOT_READY',
  'KAFKA_TOPIC_MISSING',
  'KAFKA_RECORD_WITHOUT_VALUE',
  'KAFKA_DEAD_LETTER_FAILED',
  'KAFKA_BARRIER_TIMEOUT',
];

/**
 * Whether a failed attempt is worth repeating. Errors that say so (`retriable`, as ours and
 * kafkajs' do) decide; anything else is assumed transient until the attempts run out.
 */
export function isRetriable(error: unknown): boolean {
  const flag = (error as { retriable?: unknown } | null)?.retriable;
  return typeof flag === 'boolean' ? flag : true;
}

/**
 * A description of a failure that is safe to put on a dead-letter record: our error families
 * keep personal data out of their messages, so theirs are kept; a foreign error's message could
 * hold anything, so only its name and code travel (the full error is in the service's log).
 */
export function describeCause(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown; message?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && /^[A-Z][A-Z0-9_]+$/.test(code) && typeof e?.message === 'string') {
    return `${code}: ${e.message}`.slice(0, 500);
  }
  return code ? `${name} (${code})` : name;
}

/**
 * Whether kafkajs failed with one of the broker's error types (e.g. `PRODUCER_FENCED`), however
 * deep its retry wrappers (`cause`, `originalError`, `errors`) put it.
 */
export function hasKafkaErrorType(error: unknown, types: readonly string[], depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
  if (typeof e.type === 'string' && types.includes(e.type)) return true;
  const inner = [e.cause, e.originalError, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])];
  return inner.some((cause) => hasKafkaErrorType(cause, types, depth + 1));
}
