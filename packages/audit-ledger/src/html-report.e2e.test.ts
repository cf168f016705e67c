import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { renderHtmlReport } from './html-report';
import { completionBinOf, summariseRequests } from './report-summary';
import { syntheticRequests } from './synthetic-requests';
import type { VerifyReport } from './verify';

// What a person sees in the HTML report, in a real headless Chromium (Debian's `chromium`,
// driven by playwright-core; `./lethe test` installs it when it is missing). Screenshots (and a
// PDF of the printed page) go to test-results/report/ for a person to look at.

const SHOTS = path.resolve(__dirname, '..', '..', '..', 'test-results', 'report');

const CHROMIUM = process.env.LETHE_CHROMIUM ?? '/usr/bin/chromium';
const DAY = 86_400_000;
const t0 = Date.parse('2026-11-01T10:00:00Z');

const report: VerifyReport = {
  ok: false,
  verifiedAt: new Date(t0 + 40 * DAY).toISOString(),
  ledger: { entries: 42, checkpoints: 4, lastSeq: 42 },
  records: 84,
  erasedSubjectsChecked: 1,
  reads: [
    {
      subjectId: 'sub_read',
      reads: [
        {
          at: new Date(t0).toISOString(),
          actor: 'support-agent-7',
          actorScopes: ['operator'],
          service: 'account',
          operation: 'GET /v1/accounts/:subjectId',
          fields: ['email', 'name'],
          purpose: 'support-ticket',
          position: 'lethe.access.events.v1/0@0',
        },
      ],
    },
  ],
  problems: [
    {
      kind: 'record-forged',
      position: 'lethe.account.events.v1/1@4',
      detail: 'a copy of event e-1 with other bytes',
    },
    {
      kind: 'request-overdue',
      position: 'request req_overdue',
      detail: 'no completion, due 2026-12-01T10:00:00.000Z',
    },
  ],
  requests: [
    {
      requestId: 'req_done',
      subjectId: 'sub_1',
      requestedAt: t0,
      dueAt: t0 + 30 * DAY,
      status: 'completed',
      result: 'complete',
      completedAt: t0 + 2000,
      completions: 1,
      reason: 'user-request',
      regulation: 'GDPR',
      atRisk: false,
      completionPosition: 'lethe.erasure.events.v1/0@3',
      participants: [
        { participantId: 'account', outcome: 'erased', failure: null, latencyMs: 800 },
        { participantId: 'key-vault', outcome: 'erased', failure: null, latencyMs: 1200 },
      ],
      steps: [
        { type: 'ErasureRequested', at: t0, detail: 'user-request (GDPR)' },
        { type: 'ErasurePlanned', at: t0 + 100, detail: 'account, key-vault' },
        { type: 'ErasureTaskCompleted', at: t0 + 900, detail: 'account: erased, verified empty' },
        { type: 'ErasureCompleted', at: t0 + 2000, detail: 'complete' },
      ],
    },
    {
      requestId: 'req_overdue',
      subjectId: 'sub_2',
      requestedAt: t0,
      dueAt: t0 + 30 * DAY,
      status: 'overdue',
      result: null,
      completedAt: null,
      completions: 0,
      reason: 'user-request',
      regulation: null,
      atRisk: false,
      completionPosition: null,
      participants: [
        { participantId: 'account', outcome: 'failed', failure: 'STORE_UNAVAILABLE', latencyMs: null },
      ],
      steps: [{ type: 'ErasureRequested', at: t0, detail: '<script>alert(1)</script>' }],
    },
  ],
};

function writeReport(of: VerifyReport): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lethe-report-')), 'report.html');
  writeFileSync(file, renderHtmlReport(of));
  return file;
}

/** Opens the report from its file, as an auditor would, once its script has drawn the table. */
async function openReport(page: Page, file: string): Promise<number> {
  const started = performance.now();
  await page.goto(`file://${file}`);
  await page.locator('body[data-ready="true"]').waitFor();
  return performance.now() - started;
}

const shownCount = async (page: Page) =>
  Number(/of (\d+) matching/.exec(await page.locator('#shown').innerText())?.[1]);

describe('the HTML audit report in headless Chromium', () => {
  let browser: Browser;
  const scriptErrors: string[] = [];
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set LETHE_CHROMIUM`);
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(() => browser?.close());
  const newPage = async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') scriptErrors.push(message.text());
    });
    return page;
  };
  afterEach(() => {
    // A Content Security Policy refusal or a script error would show here.
    expect(scriptErrors.splice(0)).toEqual([]);
  });

  it('shows the verdict, the problems with their positions, and each request with its timeline and receipt', async () => {
    const page = await newPage();
    await openReport(page, writeReport(report));

    expect(await page.title()).toBe('Lethe audit report');
    expect(await page.locator('h1 .verdict').innerText()).toBe('FAIL');
    expect(await page.locator('ul.problems li').allInnerTexts()).toEqual([
      'record-forged at lethe.account.events.v1/1@4: a copy of event e-1 with other bytes',
      'request-overdue at request req_overdue: no completion, due 2026-12-01T10:00:00.000Z',
    ]);
    expect(await page.locator('.card[data-status="completed"] strong').innerText()).toBe('1');
    expect(await page.locator('#overdue li a').allInnerTexts()).toEqual(['req_overdue']);
    expect(await page.locator('table.participants tr[data-participant="account"]').innerText()).toContain(
      'account\t2\t1\t1',
    ); // two tasks: one erased, one failed

    const done = page.locator('tr.request[data-request-id="req_done"]');
    expect(await done.locator('.status').innerText()).toBe('completed');
    await done.locator('button.open-request').click();
    const detail = page.locator('tr.detail');
    expect(await detail.locator('ol.timeline li').count()).toBe(4);
    expect(await detail.locator('.receipt').innerText()).toContain(
      'Completion ledgered at lethe.erasure.events.v1/0@3',
    );
    expect(await detail.locator('.receipt code').first().innerText()).toBe(
      'lethe audit prove req_done --out req_done.receipt.json',
    );

    // The overdue list links to its request, which opens with its timeline; details stay text.
    await page.locator('#overdue li a').click();
    expect(await page.locator('tr.request').count()).toBe(1);
    const opened = page.locator('tr.detail');
    expect(await opened.locator('ol.timeline li span').innerText()).toBe('<script>alert(1)</script>');
    expect(await page.locator('script:not([type="application/json"])').count()).toBe(1);

    // Who read which subject's personal data, and why.
    expect(await page.locator('details.reads summary').innerText()).toBe('sub_read: 1 reads');
    await page.locator('details.reads summary').click();
    expect(await page.locator('details.reads li').innerText()).toBe(
      '2026-11-01T10:00:00.000Z support-agent-7 (operator) GET /v1/accounts/:subjectId: email, name, for support-ticket',
    );
    await page.close();
  });

  it('opens 10,000 requests with a summary, a chart that filters, and a searchable, printable table', async () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const requests = syntheticRequests(10_000, now, 7);
    const big: VerifyReport = {
      ...report,
      ok: true,
      verifiedAt: new Date(now).toISOString(),
      problems: [],
      reads: [],
      requests,
    };
    const summary = summariseRequests(requests, now);
    const file = writeReport(big);
    const page = await newPage();
    // Measured and printed, not asserted: timings belong to benchmarks (bench/audit-report.ts).
    const openedInMs = await openReport(page, file);
    console.log(`audit report: 10,000 requests opened in ${openedInMs.toFixed(0)} ms`);
    await page.screenshot({ path: path.join(SHOTS, 'summary.png') });

    expect(await page.locator('#summary h2').innerText()).toBe('Summary: 10000 erasure requests');
    for (const status of ['completed', 'open', 'blocked', 'overdue'])
      expect(Number(await page.locator(`.card[data-status="${status}"] strong`).innerText())).toBe(
        requests.filter((r) => r.status === status).length,
      );
    expect(await page.locator('#overdue h3').innerText()).toBe(`Overdue: ${summary.overdue.length}`);
    expect(await page.locator('#at-risk h3').innerText()).toContain(`: ${summary.atRisk.length}`);
    expect(summary.atRisk.length).toBeGreaterThan(0);
    expect(await shownCount(page)).toBe(10_000);
    expect(await page.locator('tr.request').count()).toBe(50); // a page of rows, not 10,000

    // The chart: one bar per bin, as tall as its count; selecting the late bar lists exactly those.
    const bars = page.locator('.completion-chart .bar rect.count');
    expect(await bars.count()).toBe(summary.completion.length);
    const heights: number[] = [];
    for (let i = 0; i < summary.completion.length; i += 1)
      heights.push(Number(await bars.nth(i).getAttribute('height')));
    const counts = summary.completion.map((bin) => bin.count);
    const tallest = counts.indexOf(Math.max(...counts));
    expect(heights.indexOf(Math.max(...heights))).toBe(tallest);
    const late = summary.completion.length - 1;
    expect(summary.completion[late]!.count).toBeGreaterThan(0);
    await page.locator(`.completion-chart .bar[data-bin="${late}"]`).click();
    expect(await shownCount(page)).toBe(summary.completion[late]!.count);
    const lateIds = new Set(requests.filter((r) => completionBinOf(r) === late).map((r) => r.requestId));
    for (const id of await page.locator('tr.request button.open-request').allInnerTexts())
      expect(lateIds).toContain(id);
    await page.screenshot({ path: path.join(SHOTS, 'late-completions.png'), fullPage: true });

    // Filters combine: overdue under GDPR.
    await page.selectOption('#filter-took', '');
    await page.selectOption('#filter-status', 'overdue');
    await page.selectOption('#filter-regulation', 'GDPR');
    expect(await shownCount(page)).toBe(
      requests.filter((r) => r.status === 'overdue' && r.regulation === 'GDPR').length,
    );
    await page.selectOption('#filter-status', '');
    await page.selectOption('#filter-regulation', '');

    // Search by subject finds its request; it opens with its timeline and participants.
    const wanted = requests[7_777]!;
    await page.fill('#filter-search', wanted.subjectId!);
    expect(await shownCount(page)).toBe(1);
    await page.locator('button.open-request').click();
    const detail = page.locator('tr.detail');
    expect(await detail.locator('ol.timeline li').count()).toBe(wanted.steps.length);
    expect(await detail.locator('table.answers tr').count()).toBe(wanted.participants.length + 1);
    await page.screenshot({ path: path.join(SHOTS, 'request-detail.png'), fullPage: true });

    // Paging walks the whole table.
    await page.fill('#filter-search', '');
    await page.locator('#page-next').click();
    expect(await page.locator('#shown').innerText()).toContain('Showing 51-100 of 10000');

    // Printed: the filters go, the summary and chart stay.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.filters').isVisible()).toBe(false);
    expect(await page.locator('.completion-chart').isVisible()).toBe(true);
    await page.pdf({ path: path.join(SHOTS, 'report-printed.pdf') });
    await page.close();
  });
});
