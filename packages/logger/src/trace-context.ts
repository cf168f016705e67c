// W3C Trace Context (traceparent) carried through a process: an HTTP request or a consumed record
// starts or continues a trace, and every record produced and every log line written while it is
// handled carries its trace id. Kept with the logger because log lines are its first reader.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

export const TRACEPARENT_HEADER = 'traceparent';

export interface TraceContext {
  /** 32 hex digits, the same for every hop of one trace. */
  readonly traceId: string;
  /** 16 hex digits, this hop's own. */
  readonly spanId: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ALL_ZERO = /^0+$/;

/** A well-formed `traceparent` (version 00, ids not all zero), or undefined. */
export function parseTraceparent(header: string | string[] | undefined): TraceContext | undefined {
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match || ALL_ZERO.test(match[1]!) || ALL_ZERO.test(match[2]!)) return undefined;
  return { traceId: match[1]!, spanId: match[2]! };
}

export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-01`;
}

/** The next hop: the caller's trace with a span of its own, or a new trace. */
export function continueTrace(parent: TraceContext | undefined): TraceContext {
  return {
    traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
  };
}

const storage = new AsyncLocalStorage<TraceContext>();

export function runInTrace<T>(trace: TraceContext, work: () => T): T {
  return storage.run(trace, work);
}

export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** The `traceparent` header for a record produced now, if a trace is running. */
export function traceHeaders(): Record<string, string> {
  const trace = currentTrace();
  return trace ? { [TRACEPARENT_HEADER]: formatTraceparent(trace) } : {};
}
