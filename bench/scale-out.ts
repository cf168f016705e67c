// Scale-out, shown: the same erasure workload through the services as separate processes on
// 6-partition topics, once with one instance of each scalable service (account, consent,
// retention, erasure; audit is the ledger's single writer) and once with two, each run by
// bench/chaos.ts --scale N with nothing killed. Prints both rates and their ratio; asserts
// nothing. Needs `./lethe up` (the servers).
//
//   node --conditions=lethe-source --import tsx bench/scale-out.ts [REQUESTS] [ACCOUNTS]
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { recordFigures } from './summary';

const REQUESTS = process.argv[2] ?? '300';
const ACCOUNTS = process.argv[3] ?? '30';

async function rateWith(instances: number): Promise<{ rate: number; output: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--conditions=lethe-source',
      '--import',
      'tsx',
      path.join(__dirname, 'chaos.ts'),
      REQUESTS,
      '0',
      ACCOUNTS,
      '--scale',
      String(instances),
    ],
    { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 },
  );
  const rate = /\(([\d.]+) erasures\/s\)/.exec(stdout);
  if (!rate) throw new Error(`chaos.ts printed no rate:\n${stdout}`);
  return { rate: Number(rate[1]), output: stdout.trim().split('\n').slice(-4).join('\n') };
}

async function main() {
  const one = await rateWith(1);
  console.log(`one instance each:\n${one.output}`);
  const two = await rateWith(2);
  console.log(`two instances each:\n${two.output}`);
  const ratio = two.rate / one.rate;
  console.log(
    `scale-out: ${one.rate.toFixed(1)} -> ${two.rate.toFixed(1)} erasures/s with twice the instances: ${ratio.toFixed(2)}x on ${os.cpus().length} cores`,
  );
  recordFigures('scale-out', [
    {
      what: `${REQUESTS} erasure requests through separate service processes, two instances of each scalable service against one, 6 partitions`,
      value: `${two.rate.toFixed(1)} erasures/s`,
      floor: `one instance each: ${one.rate.toFixed(1)} erasures/s`,
      ratio: `${ratio.toFixed(2)}x`,
      target: `near 2x where the machine's cores allow (${os.cpus().length} cores here)`,
    },
  ]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
