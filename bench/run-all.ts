// `pnpm bench`: every bench in turn on the local stack (./lethe up), then bench/RESULTS.md
// rewritten with the machine, the date, each headline figure beside its floor, the ratio and
// whether the issue's target is met, and every bench's printed output. Runs about 25 minutes.
//
//   node --conditions=lethe-source --import tsx bench/run-all.ts [--only NAME,...]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { format, resolveConfig } from 'prettier';

import type { BenchFigure } from './summary';

interface Bench {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly why: string;
}

const BENCHES: readonly Bench[] = [
  {
    name: 'erasure-latency',
    file: 'erasure-latency.ts',
    args: ['100', '10'],
    why: '100 subjects x 10 records',
  },
  {
    name: 'erasure-latency',
    file: 'erasure-latency.ts',
    args: ['10', '1000'],
    why: '10 subjects x 1,000 records',
  },
  { name: 'consent-checks', file: 'consent-checks.ts', args: ['8', '32', '3'], why: 'wrk, 32 connections' },
  {
    name: 'account-commands',
    file: 'account-commands.ts',
    args: ['8', '16', '3'],
    why: 'wrk, 16 connections',
  },
  {
    name: 'audit-verify',
    file: 'audit-verify.ts',
    args: ['100000'],
    why: '100,000 events ledgered (fewer and start-up costs dominate)',
  },
  {
    name: 'scale-out',
    file: 'scale-out.ts',
    args: ['200', '20'],
    why: 'services as processes: one instance of each, then two',
  },
  {
    name: 'retention-sweep',
    file: 'retention-sweep.ts',
    args: ['1000'],
    why: '1,000 subjects expire at once',
  },
  { name: 'audit-report', file: 'audit-report.ts', args: ['10000'], why: '10,000 requests in one page' },
];

type Figure = BenchFigure & { bench: string };

/** Runs one bench, its output shown as it comes and kept. */
function run(bench: Bench, summaryFile: string): Promise<{ output: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=lethe-source', '--import', 'tsx', path.join('bench', bench.file), ...bench.args],
      { env: { ...process.env, LETHE_BENCH_SUMMARY: summaryFile }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code) => resolve({ output, code }));
  });
}

function machine(): string {
  const cpus = os.cpus();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim() !== '';
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Commit: ${commit}${dirty ? ' (with uncommitted changes)' : ''}`,
    `- Machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; the servers of \`./lethe up\` (Kafka, FerretDB on PostgreSQL, Redis, the registry) on the same machine`,
  ].join('\n');
}

const cell = (text: string | undefined) => (text ?? '').replaceAll('|', '\\|');
const verdict = (met: boolean | undefined) => (met === undefined ? '' : met ? 'met' : '**not met**');

/** Figures that are measured against another bench's: the sweep against the erasure burst. */
function crossFigures(figures: readonly Figure[]): Figure[] {
  const sweep = figures.find((figure) => figure.bench === 'retention-sweep' && figure.rate !== undefined);
  const burst = figures.find(
    (figure) => figure.what.startsWith('burst') && figure.what.includes('10 records'),
  );
  if (!sweep?.rate || !burst?.rate) return [];
  return [
    {
      bench: 'retention-sweep',
      what: 'retention sweep against the erasure burst rate',
      value: `${sweep.rate.toFixed(1)} erasures/s`,
      floor: `erasure burst: ${burst.rate.toFixed(1)} erasures/s`,
      ratio: `${((sweep.rate / burst.rate) * 100).toFixed(0)}%`,
    },
  ];
}

function results(
  figures: readonly Figure[],
  outputs: readonly { bench: Bench; output: string; code: number | null }[],
) {
  const rows = figures.map(
    (figure) =>
      `| ${cell(figure.bench)} | ${cell(figure.what)} | ${cell(figure.value)} | ${cell(figure.floor)} | ${cell(figure.ratio)} | ${cell(figure.target)} | ${verdict(figure.met)} |`,
  );
  const failed = outputs.filter(({ code }) => code !== 0).map(({ bench }) => `${bench.name} (${bench.why})`);
  return `# Bench results

Written by \`pnpm bench\` (bench/run-all.ts); do not edit by hand. Each figure is measured beside
its floor in the same run; the ratio is what to compare between machines. The targets are
issue 17's.

${machine()}
${failed.length > 0 ? `\n**Failed:** ${failed.join(', ')} (their output is below).\n` : ''}
| bench | what | figure | floor | ratio | target | |
|---|---|---|---|---|---|---|
${rows.join('\n')}

## Each bench's output
${outputs
  .map(
    ({ bench, output, code }) =>
      `\n### ${bench.name} ${bench.args.join(' ')} (${bench.why})${code === 0 ? '' : ` — exited ${code}`}\n\n\`\`\`\n${output.trim()}\n\`\`\`\n`,
  )
  .join('')}`;
}

async function main() {
  const only = process.argv.includes('--only')
    ? process.argv[process.argv.indexOf('--only') + 1]!.split(',')
    : [];
  const summaryFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'lethe-bench-')), 'summary.jsonl');
  writeFileSync(summaryFile, '');
  const outputs = [];
  for (const bench of BENCHES.filter((one) => only.length === 0 || only.includes(one.name))) {
    console.log(`\n== ${bench.name} ${bench.args.join(' ')} (${bench.why})`);
    outputs.push({ bench, ...(await run(bench, summaryFile)) });
  }
  const figures = readFileSync(summaryFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Figure);
  // Formatted as `pnpm lint` expects, so a fresh run can be committed as it is.
  const markdown = results([...figures, ...crossFigures(figures)], outputs);
  const options = (await resolveConfig('bench/RESULTS.md')) ?? {};
  writeFileSync('bench/RESULTS.md', await format(markdown, { ...options, parser: 'markdown' }));
  console.log(`\nbench/RESULTS.md written: ${figures.length} figures from ${outputs.length} runs`);
  if (outputs.some(({ code }) => code !== 0)) process.exitCode = 1;
}

void main();
