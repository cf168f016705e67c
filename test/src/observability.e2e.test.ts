import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import bcrypt from 'bcryptjs';

import { eventually } from './isolation';
import { freePort } from './ports';
import { killHard } from './processes';
import {
  describeOnLocalStack,
  fetchLocal,
  LETHE_HOME,
  letheUp,
  LOCAL_CA_FILE,
  REPO_DIR,
} from './local-stack';

// What an SRE's monitoring sees of the local system from `./lethe up` (issue 13): every service
// serves /metrics over its HTTPS port, a real Prometheus scrapes all five and answers a query
// for consumer lag, and /readyz checks Kafka and the consumer groups.

const SERVICES = { account: 3001, consent: 3002, retention: 3003, erasure: 3004, audit: 3005 } as const;

describeOnLocalStack('metrics and readiness of the local system', () => {
  beforeAll(() => letheUp(), 300_000);

  it.each(Object.entries(SERVICES))(
    '%s serves /metrics and a /readyz that checks Kafka',
    async (name, port) => {
      const ready = await fetchLocal(`https://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: Record<string, boolean> }).checks).toMatchObject({
        kafka: true,
        consumerGroups: true,
      });
      const scraped = await fetchLocal(`https://127.0.0.1:${port}/metrics`);
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get('content-type')).toContain('text/plain');
      const text = await scraped.text();
      const series = (metric: string, ...labels: string[]) =>
        text
          .split('\n')
          .filter((line) => line.startsWith(`${metric}{`))
          .filter((line) => labels.every((label) => line.includes(label)));
      expect(
        series(
          'lethe_http_request_duration_seconds_count',
          'route="/readyz"',
          'status="200"',
          `service="${name}"`,
        ),
      ).not.toEqual([]);
      expect(series('nodejs_eventloop_lag_seconds', `service="${name}"`)).toHaveLength(1);
      const joined = series('lethe_kafka_consumer_joined');
      expect(joined).not.toEqual([]);
      expect(joined.every((line) => line.endsWith(' 1'))).toBe(true);
      expect(series('lethe_kafka_consumer_lag', 'topic="lethe.', 'partition="')).not.toEqual([]);
      expect(text).not.toMatch(/sub_[0-9a-z]/); // no subject id in any label
    },
  );

  it('exports every metric an alert rule watches (a rule on a missing series never fires)', async () => {
    const rules = readFileSync(path.join(REPO_DIR, 'deploy', 'observability', 'alerts.yml'), 'utf8');
    const watched = new Set(
      [...rules.matchAll(/expr:.*$/gm)].flatMap(([line]) => line.match(/\blethe_[a-z_]+/g) ?? []),
    );
    expect(watched.size).toBeGreaterThan(5);
    const exported = new Set<string>();
    for (const port of Object.values(SERVICES)) {
      const text = await (await fetchLocal(`https://127.0.0.1:${port}/metrics`)).text();
      for (const [, name] of text.matchAll(/^# TYPE (\S+) /gm)) exported.add(name!);
    }
    // A histogram's rule names its _bucket, _sum or _count series.
    const missing = [...watched].filter((name) => !exported.has(name.replace(/_(bucket|sum|count)$/, '')));
    expect(missing).toEqual([]);
  });

  describe('scraped by a real Prometheus', () => {
    let prometheus: ChildProcess | undefined;
    let dir: string;
    let base: string;
    const password = 'scrape-test-password';
    const authorization = `Basic ${Buffer.from(`lethe:${password}`).toString('base64')}`;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'lethe-prometheus-'));
      const port = await freePort();
      base = `https://127.0.0.1:${port}`;
      // Its own API behind TLS and a password too, as every server of the stack.
      writeFileSync(
        path.join(dir, 'web.yml'),
        [
          'tls_server_config:',
          `  cert_file: ${path.join(LETHE_HOME, 'tls', 'server.crt')}`,
          `  key_file: ${path.join(LETHE_HOME, 'tls', 'server.key')}`,
          'basic_auth_users:',
          `  lethe: '${bcrypt.hashSync(password, 10)}'`,
          '',
        ].join('\n'),
      );
      writeFileSync(
        path.join(dir, 'prometheus.yml'),
        [
          'global: { scrape_interval: 1s, evaluation_interval: 1s }',
          'rule_files: [' +
            JSON.stringify(path.join(REPO_DIR, 'deploy', 'observability', 'alerts.yml')) +
            ']',
          'scrape_configs:',
          '  - job_name: lethe',
          '    scheme: https',
          `    tls_config: { ca_file: ${JSON.stringify(LOCAL_CA_FILE)} }`,
          '    static_configs:',
          `      - targets: [${Object.values(SERVICES)
            .map((p) => `'127.0.0.1:${p}'`)
            .join(', ')}]`,
          '',
        ].join('\n'),
      );
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${path.join(dir, 'prometheus.yml')}`,
          `--web.config.file=${path.join(dir, 'web.yml')}`,
          `--storage.tsdb.path=${path.join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ['ignore', 'ignore', 'ignore'] },
      );
    }, 60_000);

    afterAll(async () => {
      if (prometheus) await killHard(prometheus);
      rmSync(dir, { recursive: true, force: true });
    });

    async function query(promql: string) {
      const answer = await fetchLocal(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`, {
        headers: { authorization },
      }).catch(() => undefined);
      if (!answer?.ok) return undefined;
      const body = (await answer.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data.result;
    }

    it('finds all five services up and a lag series for each consumer group', async () => {
      const up = await eventually(
        async () => {
          const result = await query('up{job="lethe"}');
          return result && result.length === 5 && result.every((r) => r.value[1] === '1')
            ? result
            : undefined;
        },
        60_000,
        'Prometheus to scrape all five services',
      );
      expect(up).toHaveLength(5);
      const lag = await eventually(
        async () => {
          const result = await query('sum by (service, group) (lethe_kafka_consumer_lag)');
          return result &&
            result.some(
              (r) =>
                r.metric.group?.endsWith('lethe.erasure.orchestrator') ||
                r.metric.group === 'lethe.erasure.orchestrator',
            )
            ? result
            : undefined;
        },
        30_000,
        'a lag series of the erasure orchestrator',
      );
      expect(new Set(lag.map((r) => r.metric.service))).toEqual(new Set(Object.keys(SERVICES)));
      const refused = await fetchLocal(`${base}/api/v1/query?query=up`);
      expect(refused.status).toBe(401);
    });
  });
});
