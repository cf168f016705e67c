import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import type { KafkaClient } from '@lethe/kafka';
import type { TraceContext } from '@lethe/logger';

import { createTestTopics, testKafka, testTopicSpec } from './kafka';
import { uniqueName } from './isolation';
import { LETHE_HOME } from './local-stack';

// OpenTelemetry export (LETHE_OTLP_ENDPOINT): each hop is a span sent over OTLP/HTTP, with the
// same ids the traceparent headers and logs carry. The hops run in a process of their own, as in a
// service (otlp-hop-process.ts). The collector here is a small HTTPS endpoint
// under the local CA that keeps what it is sent (OTLP/HTTP's JSON encoding), so the test reads
// exactly what a real collector would receive. Off by default: nothing is sent without it.

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CONSUMER = 5;
const TLS = path.join(LETHE_HOME, 'tls');

describe('spans exported to an OTLP collector', () => {
  const received: { authorization?: string; body: string }[] = [];
  let collector: Server;
  let endpoint: string;
  let kafka: KafkaClient;
  let topic = '';

  beforeAll(async () => {
    collector = createServer(
      { cert: readFileSync(path.join(TLS, 'server.crt')), key: readFileSync(path.join(TLS, 'server.key')) },
      (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          if (request.url === '/v1/traces')
            received.push({
              authorization: request.headers.authorization,
              body: Buffer.concat(chunks).toString(),
            });
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      },
    );
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `https://localhost:${(collector.address() as AddressInfo).port}`;
    kafka = await testKafka();
  });

  afterAll(async () => {
    await kafka.close();
    await new Promise((resolve) => collector.close(resolve));
  });

  const spans = () =>
    received.flatMap(({ body }) =>
      (
        JSON.parse(body) as {
          resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[];
        }
      ).resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)),
    );

  /**
   * The exporting process (otlp-hop-process.ts): one request, one record consumed. Asynchronous,
   * so this process's collector answers while it runs.
   */
  async function runHops(traceparent: string, exportTo: Record<string, string>) {
    // A topic of its own: the consumer reads from the start, and must see only this record.
    topic = (await createTestTopics(kafka.admin, testTopicSpec('otlp')))[0]!;
    const child = spawn(
      process.execPath,
      ['--conditions=lethe-source', '--import', 'tsx', path.join(__dirname, 'otlp-hop-process.ts')],
      {
        env: {
          ...process.env,
          ...exportTo,
          OTLP_TEST_TOPIC: topic,
          OTLP_TEST_GROUP: uniqueName('otlp-group'),
          OTLP_TEST_TRACEPARENT: traceparent,
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`the exporting process failed: ${stderr}`);
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      status: number;
      traceparent: string;
      consumed: TraceContext;
    };
  }

  it('sends nothing when no endpoint is configured, and still propagates the trace', async () => {
    const hops = await runHops(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, {});
    expect(hops.status).toBe(200);
    expect(hops.consumed.traceId).toBe('a'.repeat(32));
    expect(received).toEqual([]);
  });

  it('exports the HTTP request and the consumed record as spans of the caller’s trace, over TLS with its credentials', async () => {
    const traceId = 'c'.repeat(32);
    const callerSpan = 'd'.repeat(16);
    const hops = await runHops(`00-${traceId}-${callerSpan}-01`, {
      LETHE_OTLP_ENDPOINT: endpoint,
      LETHE_OTLP_HEADERS: 'authorization=Bearer collector-token',
      LETHE_TLS_CA_FILE: path.join(TLS, 'ca.crt'),
    });
    const serverSpanId = /^00-[0-9a-f]{32}-([0-9a-f]{16})-01$/.exec(hops.traceparent)![1]!;

    const server = spans().find((span) => span.kind === SPAN_KIND_SERVER);
    const consumer = spans().find((span) => span.kind === SPAN_KIND_CONSUMER);
    expect(server).toMatchObject({
      traceId,
      spanId: serverSpanId,
      parentSpanId: callerSpan,
      name: 'GET /v1/things/:subjectId',
    });
    // The record's consumer continues the request's span: same trace, the server span as parent.
    expect(consumer).toMatchObject({ traceId, parentSpanId: serverSpanId, name: `process ${topic}` });
    expect(hops.consumed).toEqual({ traceId, spanId: consumer!.spanId });
    expect(server!.attributes).toContainEqual({
      key: 'http.route',
      value: { stringValue: '/v1/things/:subjectId' },
    });
    expect(received.every(({ authorization }) => authorization === 'Bearer collector-token')).toBe(true);
    // Patterns, never the path as sent: the subject id is not exported.
    expect(received.map(({ body }) => body).join('')).not.toContain('sub_12345');
  });
});
