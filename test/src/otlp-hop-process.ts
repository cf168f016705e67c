// The exporting side of otlp-export.int.test.ts, in a process of its own: the OTLP exporter
// loads node:http(s) with a dynamic import, which Jest's module sandbox refuses. It serves one
// request (which produces a record), consumes that record, flushes its spans to
// LETHE_OTLP_ENDPOINT, and prints what its hops saw as one JSON line.
import { connectKafka, kafkaConnectionFromEnv } from '@lethe/kafka';
import { createLogger, currentTrace, traceHeaders, type TraceContext } from '@lethe/logger';
import {
  buildServiceApp,
  generateSigningKeys,
  loadServiceConfig,
  publicKeyFrom,
  startTracing,
} from '@lethe/service-kit';

async function main() {
  const topic = process.env.OTLP_TEST_TOPIC!;
  const { tracing: settings } = loadServiceConfig({ name: 'otlp-test', defaultPort: 1 }, process.env);
  const tracing = startTracing('otlp-test', settings);
  const logger = createLogger({ name: 'otlp-test', level: 'silent' });
  const kafka = await connectKafka(
    { ...kafkaConnectionFromEnv(process.env), clientId: `otlp-test-${process.pid}` },
    logger,
  );
  const app = buildServiceApp({
    name: 'otlp-test',
    version: '0.1.0',
    logger,
    publicKeys: [publicKeyFrom(generateSigningKeys().publicKey)],
  });
  app.get('/v1/things/:subjectId', { config: { access: { public: true } } }, async () => {
    await kafka.send([{ topic, key: 'opaque', value: Buffer.from('{}'), headers: traceHeaders() }]);
    return { ok: true };
  });
  let consumed: TraceContext | undefined;
  const runner = await kafka.runConsumer({
    groupId: process.env.OTLP_TEST_GROUP!,
    topics: [topic],
    handle: async () => void (consumed = currentTrace()),
  });
  const answer = await app.inject({
    url: '/v1/things/sub_12345',
    headers: { traceparent: process.env.OTLP_TEST_TRACEPARENT! },
  });
  const deadline = Date.now() + 30_000;
  while (!consumed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await runner.stop();
  await tracing.shutdown(); // flushes every span
  await app.close();
  await kafka.close();
  console.log(
    JSON.stringify({ status: answer.statusCode, traceparent: answer.headers.traceparent, consumed }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
