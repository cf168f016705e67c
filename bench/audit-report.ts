// How long the HTML audit report takes to open in headless Chromium, from its file, until its
// table is drawn: for 10,000 and 100,000 requests (synthetic timelines shaped like a real
// deployment's). Prints numbers; asserts nothing. Needs Debian's chromium (or LETHE_CHROMIUM).
//
//   node --conditions=lethe-source --import tsx bench/audit-report.ts [COUNT...]
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { renderHtmlReport, type VerifyReport } from '@lethe/audit-ledger';
import { syntheticRequests } from '../packages/audit-ledger/src/synthetic-requests';
import { recordFigures } from './summary';

const COUNTS = process.argv.slice(2).map(Number);
const now = Date.parse('2026-11-30T12:00:00Z');

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.LETHE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'lethe-report-bench-'));
  for (const count of COUNTS.length > 0 ? COUNTS : [10_000, 100_000]) {
    const report: VerifyReport = {
      ok: true,
      verifiedAt: new Date(now).toISOString(),
      ledger: { entries: count * 9, checkpoints: Math.ceil(count / 100), lastSeq: count * 9 },
      records: count * 9,
      erasedSubjectsChecked: null,
      reads: [],
      problems: [],
      requests: syntheticRequests(count, now),
    };
    const rendering = performance.now();
    const file = path.join(dir, `report-${count}.html`);
    writeFileSync(file, renderHtmlReport(report));
    const renderMs = performance.now() - rendering;
    const page = await browser.newPage();
    const opening = performance.now();
    await page.goto(`file://${file}`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 120_000 });
    const openMs = performance.now() - opening;
    const filtering = performance.now();
    await page.fill('#filter-search', 'req_00');
    await page.locator('#shown').innerText();
    const filterMs = performance.now() - filtering;
    await page.close();
    recordFigures('audit-report', [
      {
        what: `audit report (lethe audit verify --html) with ${count} requests, opened in Chromium`,
        value: `${openMs.toFixed(0)} ms (${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB)`,
        target: '< 2,000 ms',
        met: openMs < 2000,
      },
    ]);
    console.log(
      `audit report, ${count} requests: ${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB written in ${renderMs.toFixed(0)} ms; ` +
        `opened in Chromium in ${openMs.toFixed(0)} ms (target < 2000 ms); a search redraws in ${filterMs.toFixed(0)} ms`,
    );
  }
  await browser.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
