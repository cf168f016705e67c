// W3C Trace Context (traceparent) carried through a process: an HTTP request or a consumed record
// starts or continues a trace, and every record produced and every log line written while it is
// handled carries its trace id. Kept with the logger because log lines are its first reader.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace as otelTrace,
  type Attributes,
  type Tracer,
} from '@opentelemetry/api';

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

// Ids come from random bytes drawn 4 KiB at a time: a randomBytes call per id was 6% of a
// consent check's CPU in a profile under wrk (every request starts a hop).
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  randomOffset += bytes;
  return randomPool.toString('hex', randomOffset - bytes, randomOffset);
}

/** The next hop: the caller's trace with a span of its own, or a new trace. */
export function continueTrace(parent: TraceContext | undefined): TraceContext {
  return { traceId: parent?.traceId ?? randomHex(16), spanId: randomHex(8) };
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

// Where hops also go as OpenTelemetry spans: service-kit's tracing sets a tracer when an OTLP
// endpoint is configured. Unset (the default), hops are only propagated and logged.
let exportingTracer: Tracer | undefined;

export function exportHopsWith(tracer: Tracer | undefined): void {
  exportingTracer = tracer;
}

/** One hop of a trace in this process: an HTTP request served, a record consumed. */
export interface Hop {
  readonly trace: TraceContext;
  /** Ends the hop's span (if exported) with what happened; attributes never carry personal data. */
  end(outcome?: { attributes?: Attributes; failed?: string }): void;
}

/** A hop propagated and logged, never exported (no tracer, or nothing worth a span: probes). */
export function untracedHop(parent: TraceContext | undefined): Hop {
  return { trace: continueTrace(parent), end: () => undefined };
}

/**
 * The caller's trace continued (or a new one), as a span of its own. With a tracer, the span is
 * the tracer's and its ids are the ones propagated, so what the collector shows and what the
 * logs and headers carry agree.
 */
export function startHop(
  name: string,
  kind: 'server' | 'consumer',
  parent: TraceContext | undefined,
  attributes: Attributes = {},
): Hop {
  if (!exportingTracer) return untracedHop(parent);
  const parentContext = parent
    ? otelTrace.setSpanContext(ROOT_CONTEXT, {
        traceId: parent.traceId,
        spanId: parent.spanId,
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      })
    : ROOT_CONTEXT;
  const span = exportingTracer.startSpan(
    name,
    { kind: kind === 'server' ? SpanKind.SERVER : SpanKind.CONSUMER, attributes },
    parentContext,
  );
  const { traceId, spanId } = span.spanContext();
  return {
    trace: { traceId, spanId },
    end(outcome = {}) {
      if (outcome.attributes) span.setAttributes(outcome.attributes);
      if (outcome.failed) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.failed });
      span.end();
    },
  };
}
