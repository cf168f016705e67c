import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type Browser } from 'playwright-core';

import { renderHtmlReport } from './html-report';
import type { VerifyReport } from './verify';

// What a person sees in the HTML report, in a real headless Chromium (Debian's `chromium`,
// driven by playwright-core; `./lethe test` installs it when it is missing).

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
      steps: [{ type: 'ErasureRequested', at: t0, detail: '<script>alert(1)</script>' }],
    },
  ],
};

describe('the HTML audit report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set LETHE_CHROMIUM`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(() => browser?.close());

  it('shows the verdict, the problems with their positions, and each request against its deadline', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lethe-report-')), 'report.html');
    writeFileSync(file, renderHtmlReport(report));
    const page = await browser.newPage();
    await page.goto(`file://${file}`);

    expect(await page.title()).toBe('Lethe audit report');
    expect(await page.locator('h1 .verdict').innerText()).toBe('FAIL');
    expect(await page.locator('ul.problems li').allInnerTexts()).toEqual([
      'record-forged at lethe.account.events.v1/1@4: a copy of event e-1 with other bytes',
      'request-overdue at request req_overdue: no completion, due 2026-12-01T10:00:00.000Z',
    ]);
    const done = page.locator('section[data-request-id="req_done"]');
    expect(await done.locator('.status').innerText()).toBe('completed (complete)');
    expect(await done.locator('ol.timeline li').count()).toBe(4);
    // The bar ends well before the dashed deadline line, in green.
    const bar = done.locator('svg.chart rect');
    const deadline = done.locator('svg.chart line');
    expect(Number(await bar.getAttribute('width'))).toBeLessThan(Number(await deadline.getAttribute('x1')));
    expect(await bar.getAttribute('fill')).toBe('#2e7d32');
    const overdue = page.locator('section[data-request-id="req_overdue"]');
    expect(await overdue.locator('.status').innerText()).toBe('overdue');
    expect(await overdue.locator('svg.chart rect').getAttribute('fill')).toBe('#c62828');
    // Event details are text, never markup.
    expect(await overdue.locator('ol.timeline li span').innerText()).toBe('<script>alert(1)</script>');
    expect(await page.locator('script').count()).toBe(0);
    // Who read which subject's personal data, and why.
    expect(await page.locator('details.reads summary').innerText()).toBe('sub_read: 1 reads');
    expect(
      await page
        .locator('details.reads li')
        .innerText({ timeout: 1000 })
        .catch(() => ''),
    ).toBe('');
    await page.locator('details.reads summary').click();
    expect(await page.locator('details.reads li').innerText()).toBe(
      '2026-11-01T10:00:00.000Z support-agent-7 (operator) GET /v1/accounts/:subjectId: email, name, for support-ticket',
    );
  });
});
