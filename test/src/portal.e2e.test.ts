import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { createEventCodec, createSchemaRegistry, loadCatalog, makeEvent } from '@lethe/events';
import type axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import {
  describeOnLocalStack,
  fetchLocal,
  lethe,
  LETHE_HOME,
  openLocalAccount,
  operatorAuthorization,
} from './local-stack';
import { eventually, uniqueName } from './isolation';
import { localInbox, type Inbox } from './mailpit';
import { testKafka } from './kafka';
import { testRedis } from './redis';
import { testCaFile } from './https';
import { testServers } from './servers';
import { checkPage, launchChromium } from './browser';

// The privacy dashboard as its users meet it (issue 14): the local system from `./lethe up`, a
// real headless Chromium, codes read from the real mail server. Every page is checked with
// axe-core (WCAG 2.1 A and AA) and saved as a screenshot in test-results/portal/.

const PORTAL = 'https://127.0.0.1:3000';
const ACCOUNT = 'https://127.0.0.1:3001';
const CONSENT = 'https://127.0.0.1:3002';
const ERASURE = 'https://127.0.0.1:3004';
const PHONE = { width: 390, height: 844 };

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describeOnLocalStack('the privacy dashboard in a browser', () => {
  let browser: Browser;
  let inbox: Inbox;
  let operator: string;

  beforeAll(async () => {
    // The quick start: `./lethe up` says where the dashboard is and how to sign in locally.
    const up = lethe('up');
    expect(up.status).toBe(0);
    expect(up.stdout).toContain('Privacy dashboard: https://127.0.0.1:3000');
    expect(up.stdout).toContain('https://127.0.0.1:8025');
    browser = await launchChromium();
    inbox = localInbox();
    operator = operatorAuthorization('portal-e2e');
  }, 300_000);
  afterAll(async () => browser?.close());

  const openAccount = (name: string) => openLocalAccount(operator, name);

  async function askForCode(page: Page, email: string, sent = true): Promise<void> {
    await page.goto(`${PORTAL}/sign-in`);
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Send me a code' }).click();
    if (sent) await page.waitForURL(`${PORTAL}/sign-in/code`);
    else await page.waitForLoadState();
  }

  async function enterCode(page: Page, code: string): Promise<void> {
    await page.getByLabel('Code').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
  }

  const codeIn = (mail: { subject: string }) => /(\d{6})/.exec(mail.subject)![1]!;

  async function signIn(context: BrowserContext, email: string): Promise<Page> {
    const page = await context.newPage();
    const earlier = await inbox.list(email);
    await askForCode(page, email);
    await enterCode(page, codeIn(await inbox.waitFor(email, /sign-in code/, { besides: earlier })));
    await page.waitForURL(`${PORTAL}/`);
    return page;
  }

  it('takes a subject from sign-in through its data and consents to a deleted account, a certificate and the mails', async () => {
    const { email, subjectId } = await openAccount('journey');
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    try {
      const page = await context.newPage();
      await askForCode(page, email);
      await checkPage(page, '02-code');
      const codeMail = await inbox.waitFor(email, /sign-in code/);
      // A mail carries nothing personal but the recipient's own address.
      expect(codeMail.text).not.toContain('Person journey');
      expect(codeMail.text).not.toContain(subjectId);
      await enterCode(page, codeIn(codeMail));
      await page.waitForURL(`${PORTAL}/`);

      // My data: the profile and where it is kept, from the participants' declarations.
      expect(await page.locator('main').innerText()).toContain(email);
      expect(await page.locator('main').innerText()).toContain('mongodb:account_streams');
      await checkPage(page, '03-my-data-phone');

      // My consents: allow marketing mail, then withdraw it; each is recorded with its proof.
      await page.getByRole('link', { name: 'My consents' }).click();
      await page
        .getByRole('button', { name: /Allow for: Marketing and other communications by email/ })
        .click();
      await page.waitForURL(/changed=marketing-email/);
      await page
        .getByRole('button', { name: /Withdraw consent for: Marketing and other communications by email/ })
        .click();
      await page.waitForURL(/changed=marketing-email/);
      await checkPage(page, '04-consents');
      const ledger = await fetchLocal(`${CONSENT}/v1/subjects/${subjectId}/consents`, {
        headers: { authorization: operator },
      });
      const { history } = (await ledger.json()) as { history: Record<string, unknown>[] };
      const shown = 'Marketing and other communications by email.';
      expect(history.filter((d) => d.purpose === 'marketing-email')).toEqual([
        expect.objectContaining({ granted: true, source: 'privacy-dashboard', textHash: sha256(shown) }),
        expect.objectContaining({ granted: false, source: 'privacy-dashboard', textHash: sha256(shown) }),
      ]);

      // A browser's Global Privacy Control is honoured: the opt-out is recorded and said so.
      await context.setExtraHTTPHeaders({ 'Sec-GPC': '1' });
      await page.goto(`${PORTAL}/consents`);
      expect(await page.locator('main').innerText()).toContain('Global Privacy Control signal');
      await context.setExtraHTTPHeaders({});
      const afterGpc = (await (
        await fetchLocal(`${CONSENT}/v1/subjects/${subjectId}/consents`, {
          headers: { authorization: operator },
        })
      ).json()) as { history: { gpc: boolean; granted: boolean }[] };
      expect(afterGpc.history.some((d) => d.gpc && !d.granted)).toBe(true);

      // Download my data: an access request, followed until the copy is ready, then downloaded.
      const bystander = await openAccount('bystander');
      await page.getByRole('link', { name: 'Download my data' }).click();
      await checkPage(page, '04a-exports');
      await page.getByRole('button', { name: 'Prepare a copy of my data' }).click();
      await page.waitForURL(/\/exports\/acc_/);
      const exportId = page.url().split('/').at(-1)!;
      await page.getByText('Your copy is ready').waitFor({ timeout: 90_000 });
      await checkPage(page, '04b-export-ready');
      const [exported] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download it (JSON)' }).click(),
      ]);
      const myData = readFileSync(await exported.path()).toString('utf8');
      expect(myData).toContain(email);
      expect(myData).toContain(sha256(shown)); // the consent decisions, with their proof
      expect(myData).not.toContain(bystander.email);
      expect(myData).not.toContain(bystander.subjectId);
      expect(sha256(myData)).toBe((await page.locator('code.digest').innerText()).trim());
      await page.getByRole('link', { name: 'Read it as a page' }).click();
      expect(await page.locator('main').innerText()).toContain(email);
      await checkPage(page, '04c-export-page');
      expect((await inbox.waitFor(email, /copy of your data is ready/)).text).toContain(
        `/exports/${exportId}`,
      );

      // Delete my account: what goes, what stays and why, a confirmation, then the progress.
      await page.getByRole('link', { name: 'Delete my account' }).click();
      expect(await page.locator('main').innerText()).toMatch(/LLM providers[\s\S]*30 days/);
      await checkPage(page, '05-delete');
      await page.getByRole('button', { name: 'Delete my account' }).click();
      // The box must be ticked: the browser refuses the form until it is.
      expect(page.url()).toBe(`${PORTAL}/delete`);
      await page.getByLabel(/I understand/).check();
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.waitForURL(/\/requests\/req_/);
      const requestId = page.url().split('/').at(-1)!;
      await checkPage(page, '06-request-in-progress');
      // The page follows the request by itself until it is complete.
      await page.getByText('Your deletion is complete').waitFor({ timeout: 120_000 });
      await checkPage(page, '07-request-complete');
      const digest = (await page.locator('code.digest').innerText()).trim();
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

      // The certificate: the downloaded JSON is exactly what the digest is of.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download it (JSON)' }).click(),
      ]);
      const certificate = readFileSync(await download.path());
      expect(sha256(certificate)).toBe(digest);
      const parsed = JSON.parse(certificate.toString('utf8')) as { requestId: string; result: string };
      expect(parsed).toMatchObject({ requestId, result: 'complete' });
      expect(certificate.toString('utf8')).not.toContain(email);
      // The receipt: once the audit log signed a tree head over the completion (seconds), it
      // downloads, and proves the erasure offline with the audit public key alone.
      // Asked from the page (its session, and the browser that trusts the local server's key).
      const receiptStatus = () =>
        page.evaluate<number>(`fetch('/requests/${requestId}/receipt.json').then((r) => r.status)`);
      await eventually(
        async () => ((await receiptStatus()) === 200 ? true : undefined),
        60_000,
        'the receipt under a signed tree head',
      );
      const [receiptDownload] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download the receipt (JSON)' }).click(),
      ]);
      const checked = lethe('audit', 'check-receipt', await receiptDownload.path());
      expect([checked.status, checked.stdout]).toEqual([
        0,
        expect.stringContaining(`PASS: erasure ${requestId}`),
      ]);
      expect(readFileSync(await receiptDownload.path(), 'utf8')).not.toContain(email);
      await page.getByRole('link', { name: 'View the certificate' }).click();
      expect(await page.locator('main').innerText()).toContain(digest);
      await checkPage(page, '08-certificate');

      // The account is gone, and the mails say so, with the digest.
      expect(
        (await fetchLocal(`${ACCOUNT}/v1/accounts/${subjectId}`, { headers: { authorization: operator } }))
          .status,
      ).toBe(404);
      expect((await inbox.waitFor(email, /received your request/)).text).toContain(`/requests/${requestId}`);
      const completed = await inbox.waitFor(email, /has been deleted/, { timeoutMs: 60_000 });
      expect(completed.text).toContain(digest);
      expect(completed.text).not.toContain('Person journey');
      // The copy went with the account.
      expect((await page.goto(`${PORTAL}/exports/${exportId}/my-data.json`))?.status()).toBe(404);
    } finally {
      await context.close();
    }
  }, 240_000);

  it("keeps one subject out of another's requests and certificates, by URL guessing too", async () => {
    const first = await openAccount('first');
    const firstExport = (await (
      await fetchLocal(`${ERASURE}/v1/subjects/${first.subjectId}/access-requests`, {
        method: 'POST',
        headers: { authorization: operator },
      })
    ).json()) as { requestId: string };
    const deleted = await fetchLocal(`${ACCOUNT}/v1/accounts/${first.subjectId}`, {
      method: 'DELETE',
      headers: { authorization: operator },
    });
    const { requestId } = (await deleted.json()) as { requestId: string };
    const second = await openAccount('second');
    const context = await browser.newContext();
    try {
      const page = await signIn(context, second.email);
      expect(await page.locator('main').innerText()).not.toContain(first.email);
      for (const url of [
        `/requests/${requestId}`,
        `/requests/${requestId}/progress`,
        `/requests/${requestId}/certificate`,
        `/requests/${requestId}/certificate.json`,
        `/requests/${requestId}/receipt.json`,
        '/requests/req_00000000000000000000000000000000',
        `/exports/${firstExport.requestId}`,
        `/exports/${firstExport.requestId}/progress`,
        `/exports/${firstExport.requestId}/my-data.json`,
        `/exports/${firstExport.requestId}/my-data.html`,
      ]) {
        const answer = await page.goto(`${PORTAL}${url}`);
        expect([url, answer?.status()]).toEqual([url, 404]);
        expect(await page.content()).not.toContain(first.subjectId);
      }
      await checkPage(page, '09-not-found');
      // The control: the same check finds a violation when there is one.
      await page.evaluate(
        `document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/x.png">')`,
      );
      const control = await page.evaluate<axe.AxeResults>(`axe.run(document)`);
      expect(control.violations.map((v) => v.id)).toContain('image-alt');
    } finally {
      await context.close();
    }
    // Without a session, every dashboard page leads to sign-in.
    const stranger = await browser.newContext();
    try {
      const page = await stranger.newPage();
      for (const url of ['/', '/consents', '/exports', '/delete', `/requests/${requestId}`]) {
        await page.goto(`${PORTAL}${url}`);
        expect(page.url()).toBe(`${PORTAL}/sign-in`);
      }
      await checkPage(page, '01-sign-in');
    } finally {
      await stranger.close();
    }
  }, 120_000);

  it('locks sign-in after five wrong codes, refuses an expired code, refuses a form without its token, and caches no page', async () => {
    const context = await browser.newContext();
    const redis = testRedis();
    try {
      // Five wrong codes lock the address: even the right code, and a new one, are refused then.
      const locked = await openAccount('locked');
      const page = await context.newPage();
      await askForCode(page, locked.email);
      const right = codeIn(await inbox.waitFor(locked.email, /sign-in code/));
      const wrong = right === '000000' ? '111111' : '000000';
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        await enterCode(page, wrong);
        expect(await page.getByRole('alert').innerText()).toContain(
          `${5 - attempt} ${attempt === 4 ? 'try' : 'tries'} left`,
        );
      }
      await enterCode(page, wrong);
      expect(await page.locator('h1').innerText()).toBe('Sign-in is locked for now');
      await checkPage(page, '10-locked');
      await askForCode(page, locked.email, false);
      expect(await page.locator('h1').innerText()).toBe('Sign-in is locked for now');
      expect(await inbox.list(locked.email)).toHaveLength(1);

      // Five codes to one address in 15 minutes, then no more: the form cannot flood an inbox.
      const flooded = await openAccount('flooded');
      for (let sent = 1; sent <= 5; sent += 1) await askForCode(page, flooded.email);
      await askForCode(page, flooded.email, false);
      expect(await page.locator('h1').innerText()).toBe('Too many codes asked for');
      // The mails go out after the answer: wait for the fifth, then see there is no sixth.
      await eventually(
        async () => ((await inbox.list(flooded.email)).length >= 5 ? true : undefined),
        10_000,
        'five sign-in code mails',
      );
      expect(await inbox.list(flooded.email)).toHaveLength(5);

      // A code past its 10 minutes is refused: its challenge is made to expire now.
      const expiring = await openAccount('expiring');
      await askForCode(page, expiring.email);
      const code = codeIn(await inbox.waitFor(expiring.email, /sign-in code/));
      const challenge = (await context.cookies()).find((c) => c.name === '__Host-lethe-sign-in')!.value;
      expect(await redis.pexpire(`lethe:portal:challenge:${challenge}`, 1)).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await enterCode(page, code);
      expect(await page.getByRole('alert').innerText()).toContain('expired');

      // Signed in, a state change without the form's token is refused, and nothing is deleted.
      const signedIn = await signIn(context, expiring.email);
      for (const body of ['confirm=yes', 'confirm=yes&_csrf=forged']) {
        const status = await signedIn.evaluate(
          async (form) =>
            (
              await fetch('/delete', {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: form,
              })
            ).status,
          body,
        );
        expect([body, status]).toEqual([body, 403]);
      }
      const profile = await fetchLocal(`${ACCOUNT}/v1/accounts/${expiring.subjectId}`, {
        headers: { authorization: operator },
      });
      expect(((await profile.json()) as { deletionRequestId: string | null }).deletionRequestId).toBeNull();

      // Pages with personal data are kept by no cache.
      for (const url of ['/', '/consents', '/exports', '/delete']) {
        const answer = await signedIn.goto(`${PORTAL}${url}`);
        expect([url, answer?.headers()['cache-control']]).toEqual([url, 'no-store']);
      }
      // Sign-out ends the session: its pages lead to sign-in again.
      await signedIn.getByRole('button', { name: 'Sign out' }).click();
      await signedIn.waitForURL(`${PORTAL}/sign-in`);
      await signedIn.goto(`${PORTAL}/`);
      expect(signedIn.url()).toBe(`${PORTAL}/sign-in`);
    } finally {
      redis.disconnect();
      await context.close();
    }
  }, 180_000);

  it('lets an operator follow requests, hold a subject (its deletion waits, blocked) and release it to complete, with the timeline', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // The console's pages lead to its own sign-in, which takes an operator token only.
      await page.goto(`${PORTAL}/console`);
      expect(page.url()).toBe(`${PORTAL}/console/sign-in`);
      await checkPage(page, '11-console-sign-in');
      const consoleSignIn = async (token: string) => {
        await page.goto(`${PORTAL}/console/sign-in`);
        await page.getByLabel('Operator token').fill(token);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForLoadState();
      };
      await consoleSignIn(lethe('token', '--scope', 'auditor', '--name', 'auditor-e2e').stdout.trim());
      expect(await page.getByRole('alert').innerText()).toContain('not an operator token');
      await consoleSignIn('not-a-token');
      expect(await page.getByRole('alert').innerText()).toContain('not valid');
      await consoleSignIn(operator.slice('Bearer '.length));
      expect(page.url()).toBe(`${PORTAL}/console`);

      // A new request is found by its id, with its timeline from the audit ledger.
      const fresh = await openAccount('console-new');
      const freshRequest = (
        (await (
          await fetchLocal(`${ACCOUNT}/v1/accounts/${fresh.subjectId}`, {
            method: 'DELETE',
            headers: { authorization: operator },
          })
        ).json()) as { requestId: string }
      ).requestId;
      await page.getByLabel('Find a request by id').fill(freshRequest);
      await page.getByRole('button', { name: 'Open' }).click();
      await page.waitForURL(`${PORTAL}/console/requests/${freshRequest}`);
      expect(await page.locator('main').innerText()).toContain(fresh.subjectId);

      // A hold on another subject, placed in the console, as the operator.
      const held = await openAccount('console-held');
      await page.getByRole('link', { name: 'Legal holds' }).click();
      await page.getByLabel('Subject id', { exact: true }).first().fill(held.subjectId);
      await page.getByLabel('Reference (case or matter)').fill('case-2026-114');
      await page.getByLabel('Reason').fill('litigation');
      await page.getByRole('button', { name: 'Place the hold' }).click();
      await page.waitForURL(/placed=/);
      const holdId = new URL(page.url()).searchParams.get('placed')!;
      expect(await page.locator('main').innerText()).toMatch(
        new RegExp(`${holdId}[\\s\\S]*case-2026-114[\\s\\S]*by portal-e2e`),
      );
      await checkPage(page, '12-console-holds');

      // The held subject's deletion waits, blocked, in the list and on its page.
      const heldRequest = (
        (await (
          await fetchLocal(`${ACCOUNT}/v1/accounts/${held.subjectId}`, {
            method: 'DELETE',
            headers: { authorization: operator },
          })
        ).json()) as { requestId: string }
      ).requestId;
      const statusOf = async (requestId: string) => {
        await page.goto(`${PORTAL}/console/requests/${requestId}`);
        // A request just made may not be read by the erasure service yet: no status then.
        return page
          .locator('[data-status]')
          .innerText({ timeout: 1_000 })
          .catch(() => '');
      };
      const until = async (requestId: string, wanted: RegExp) => {
        const deadline = Date.now() + 90_000;
        for (;;) {
          const status = await statusOf(requestId);
          if (wanted.test(status)) return;
          if (Date.now() > deadline) throw new Error(`request ${requestId} is still "${status}"`);
          await page.waitForTimeout(500);
        }
      };
      await until(heldRequest, /blocked by a legal hold/);
      await checkPage(page, '13-console-request-blocked');
      await page.goto(`${PORTAL}/console?state=blocked`);
      expect(await page.locator(`tr[data-request="${heldRequest}"]`).innerText()).toContain(
        'blocked by a legal hold',
      );
      await checkPage(page, '14-console-requests');

      // Released in the console, the deletion completes; the timeline shows each step.
      await page.goto(`${PORTAL}/console/holds?subjectId=${held.subjectId}`);
      await page.getByRole('button', { name: `Release hold ${holdId}` }).click();
      await page.waitForURL(/released=/);
      await until(heldRequest, /completed \(complete\)/);
      // The timeline is the audit service's ledger, which may lag the erasure service a moment.
      const timeline = await eventually(
        async () => {
          await page.goto(`${PORTAL}/console/requests/${heldRequest}`);
          const text = await page.locator('ol.timeline').innerText();
          return text.includes('ErasureCompleted') ? text : undefined;
        },
        30_000,
        'the completion in the audit timeline',
        500,
      );
      const order = [
        'ErasureRequested',
        'ErasureBlocked',
        'ErasureTaskIssued',
        'ErasureTaskCompleted',
        'ErasureCompleted',
      ];
      const positions = order.map((type) => timeline.indexOf(type));
      expect(positions.every((position) => position >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      await checkPage(page, '15-console-request-complete');
      // Among the completed requests too.
      await page.goto(`${PORTAL}/console?state=completed`);
      expect(await page.locator(`tr[data-request="${heldRequest}"]`).innerText()).toContain(
        'completed (complete)',
      );
      await checkPage(page, '15b-console-completed');

      // Each participant with the tasks waiting on its topic, and the dead letters, as /metrics says.
      await page.getByRole('link', { name: 'Participants' }).click();
      for (const participant of ['account', 'key-vault', 'consent'])
        expect(await page.locator(`tr[data-participant="${participant}"] td[data-lag]`).innerText()).toMatch(
          /^\d+$/,
        );
      expect(await page.locator('tr[data-dlq="lethe.erasure.tasks.account.v1.dlq"]').innerText()).toMatch(
        /\d+$/,
      );
      await checkPage(page, '16-console-participants');
    } finally {
      await context.close();
    }
  }, 240_000);

  it('mails the notice before an inactive account is erased, whose link keeps the account with one button', async () => {
    const dormant = await openAccount('dormant');
    // What the retention service writes 30 days before the inactivity clock ends (the clock
    // itself is tested on a controllable clock in retention-policy.e2e); here, the portal's part.
    const expiresAt = Date.now() + 30 * 24 * 60 * 60 * 1000;
    const kafka = await testKafka(uniqueName('portal-notice'));
    try {
      const codec = createEventCodec({
        registry: createSchemaRegistry(testServers().registryUrl, { caFile: testCaFile() }),
        catalog: loadCatalog(),
      });
      await kafka.eventProducer(codec).publish([
        {
          topic: 'lethe.retention.events.v1',
          key: dormant.subjectId,
          event: makeEvent(
            'RetentionExpiryNoticed',
            {
              subjectId: dormant.subjectId,
              correlationId: 'portal-e2e',
              causationId: null,
              producer: 'retention',
              occurredAt: Date.now(),
            },
            { clock: 'account-inactivity', policyVersion: 'seed-policy', noticedAt: Date.now(), expiresAt },
          ),
        },
      ]);
    } finally {
      await kafka.close();
    }
    const notice = await inbox.waitFor(dormant.email, /will be deleted in 30 days/, { timeoutMs: 60_000 });
    expect(notice.text).not.toContain(dormant.subjectId);
    expect(notice.text).not.toContain('Person dormant');
    const link = /(https:\/\/\S+\/keep\/\S+)/.exec(notice.text)![1]!;

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // A link someone changed opens nothing.
      expect((await page.goto(`${link.slice(0, -2)}xx`))?.status()).toBe(404);
      // Opening the link changes nothing by itself (mail scanners open links); the button does.
      await page.goto(link);
      await checkPage(page, '17-keep-account');
      const accountLog = path.join(LETHE_HOME, 'logs', 'account.log');
      const activityPosts = () =>
        readFileSync(accountLog, 'utf8')
          .split('\n')
          .filter(
            (line) =>
              line.includes(`/v1/accounts/${dormant.subjectId}/activity`) && line.includes('"status":204'),
          );
      expect(activityPosts()).toHaveLength(0);
      await page.getByRole('button', { name: 'Keep my account' }).click();
      await page.waitForLoadState();
      expect(await page.locator('h1').innerText()).toBe('Your account is kept');
      // The account service recorded the activity, as the subject's own (the inactivity clock
      // restarts on it: retention-policy.e2e), with the portal's subject token.
      expect(activityPosts()).toHaveLength(1);
      expect(activityPosts()[0]).toContain(`"caller":"portal:${dormant.subjectId}"`);
      // Used once, the link is spent.
      expect((await page.goto(link))?.status()).toBe(404);
    } finally {
      await context.close();
    }
  }, 120_000);
});
