// OpenTelemetry export of each hop a service makes (an HTTP request served, a record consumed),
// to an OTLP/HTTP collector. Off unless LETHE_OTLP_ENDPOINT names one: trace context is
// propagated and logged (traceId) either way, so turning export on changes no id.
import { readFileSync } from 'node:fs';

import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

import { exportHopsWith } from '@lethe/logger';

export interface TracingSettings {
  /** The collector's OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  readonly endpoint: string;
  /** Sent with every export, e.g. the collector's `authorization`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The CA an `https` collector is trusted by (LETHE_TLS_CA_FILE), instead of the system's. */
  readonly caFile: string | undefined;
}

export interface Tracing {
  /** Sends what is still buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/** A span exported at most this long after it ends: quick enough to follow a request live. */
const EXPORT_DELAY_MS = 1_000;

export function startTracing(service: string, settings: TracingSettings | undefined): Tracing {
  if (!settings) return { shutdown: async () => undefined };
  const exporter = new OTLPTraceExporter({
    url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces`,
    headers: { ...settings.headers },
    ...(settings.caFile ? { httpAgentOptions: { ca: readFileSync(settings.caFile) } } : {}),
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': `lethe-${service}`, 'service.namespace': 'lethe' }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: EXPORT_DELAY_MS })],
  });
  exportHopsWith(provider.getTracer('lethe'));
  return {
    async shutdown() {
      exportHopsWith(undefined);
      await provider.shutdown();
    },
  };
}
