// Consent checks per second and their latency, against the running consent service (./lethe up):
// GET /v1/subjects/:id/consents/:purpose over keep-alive HTTPS from CONCURRENCY loops. Prints
// numbers; asserts nothing.
//
//   node --conditions=lethe-source --import tsx bench/consent-checks.ts [SECONDS] [CONCURRENCY]
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';

import { serviceFetch } from '@lethe/service-kit';

const SECONDS = Number(process.argv[2] ?? 10);
const CONCURRENCY = Number(process.argv[3] ?? 32);
const BASE = process.env.LETHE_CONSENT_URL ?? 'https://127.0.0.1:3002';
const fetch = serviceFetch(process.env.LETHE_TLS_CA_FILE ?? '.lethe/tls/ca.crt');
const SUBJECTS = 100;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const token = execFileSync('./lethe', ['token', '--scope', 'service'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const textHash = `sha256:${createHash('sha256').update('bench').digest('hex')}`;
  const subjects = Array.from({ length: SUBJECTS }, (_, i) => `sub_bench_consent_${i}`);
  for (const [i, subjectId] of subjects.entries()) {
    await fetch(`${BASE}/v1/subjects/${subjectId}/consents/analytics`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ granted: i % 2 === 0, source: 'bench', policyVersion: 'bench', textHash }),
    });
  }

  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, loop) => {
      for (let n = loop; performance.now() < end; n += CONCURRENCY) {
        const start = performance.now();
        const response = await fetch(`${BASE}/v1/subjects/${subjects[n % SUBJECTS]}/consents/analytics`, {
          headers,
        });
        await response.arrayBuffer();
        if (response.status !== 200) errors += 1;
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  console.log(
    `consent checks over ${new URL(BASE).protocol.slice(0, -1).toUpperCase()}, ${CONCURRENCY} concurrent for ${SECONDS} s: ${(latencies.length / SECONDS).toFixed(0)}/s, ` +
      `p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, errors ${errors}`,
  );
  const pid = execFileSync('bash', ['-c', "cut -d' ' -f1 .lethe/run/consent.pid"], {
    encoding: 'utf8',
  }).trim();
  const rss = execFileSync('ps', ['-o', 'rss=', '-p', pid], { encoding: 'utf8' }).trim();
  console.log(`consent service RSS after the run: ${(Number(rss) / 1024).toFixed(0)} MiB`);
}

void main();
