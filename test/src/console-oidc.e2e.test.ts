import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { Browser, Page } from 'playwright-core';

import { checkPage, launchChromium } from './browser';
import {
  describeOnLocalStack,
  fetchLocal,
  LETHE_HOME,
  openLocalAccount,
  operatorAuthorization,
} from './local-stack';

// Issue 14 point 6: operators sign in to the console through an OpenID provider configured by
// its URL. Locally `./lethe up` starts a real one (oidc-provider, OpenID Certified) with an
// operator and an auditor; the console uses the authorization code flow with PKCE, and acts with
// the provider's access token, which every service accepts for the role it carries.

const PORTAL = 'https://127.0.0.1:3000';
const RETENTION = 'https://127.0.0.1:3003';

/** The local provider's users: name, password, role, email per line. */
function localUser(name: string): { name: string; password: string } {
  const line = readFileSync(path.join(LETHE_HOME, 'secrets', 'oidc-users'), 'utf8')
    .split('\n')
    .map((entry) => entry.split(' '))
    .find(([user]) => user === name);
  if (!line) throw new Error(`no local OpenID user ${name}`);
  return { name, password: line[1]! };
}

describeOnLocalStack('operator sign-in through the OpenID provider', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  async function signInAtProvider(page: Page, user: { name: string; password: string }): Promise<void> {
    await page.goto(`${PORTAL}/console/sign-in`);
    await page.getByRole('link', { name: 'Sign in with your identity provider' }).click();
    await page.waitForURL(/127\.0\.0\.1:3010\/interaction\//);
    await page.getByLabel('Username').fill(user.name);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
  }

  it("signs an operator in with the provider and acts as them in every service's records", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${PORTAL}/console/sign-in`);
      await checkPage(page, '20-console-sign-in-with-provider');

      // A wrong password stays at the provider.
      await signInAtProvider(page, { name: 'operator', password: 'not-the-password' });
      expect(await page.getByRole('alert').innerText()).toContain('do not match');

      await signInAtProvider(page, localUser('operator'));
      await page.waitForURL(`${PORTAL}/console`);
      await checkPage(page, '21-console-after-provider-sign-in');
      expect(await page.locator('h1').innerText()).toContain('Erasure requests');

      // A hold placed in the console is the provider's operator's, in the retention service.
      const held = await openLocalAccount(operatorAuthorization('oidc-e2e'), 'oidc-held');
      await page.getByRole('link', { name: 'Legal holds' }).click();
      await page.getByLabel('Subject id', { exact: true }).first().fill(held.subjectId);
      await page.getByLabel('Reference (case or matter)').fill('case-oidc-1');
      await page.getByLabel('Reason').fill('litigation');
      await page.getByRole('button', { name: 'Place the hold' }).click();
      await page.waitForURL(/placed=/);
      const holdId = new URL(page.url()).searchParams.get('placed')!;
      const holds = (await (
        await fetchLocal(`${RETENTION}/v1/subjects/${held.subjectId}/retention`, {
          headers: { authorization: operatorAuthorization('oidc-e2e') },
        })
      ).json()) as { holds: { holdId: string; placedBy?: string }[] };
      expect(holds.holds.find((hold) => hold.holdId === holdId)?.placedBy).toBe('oidc:operator');
      await page.getByRole('button', { name: `Release hold ${holdId}` }).click();
      await page.waitForLoadState();
    } finally {
      await context.close();
    }
  }, 120_000);

  it('refuses a user whose provider roles do not include the operator role', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await signInAtProvider(page, localUser('auditor'));
      expect(page.url()).toContain(`${PORTAL}/console/oidc/callback`);
      expect(await page.getByRole('alert').innerText()).toContain('does not give you the operator role');
      await page.goto(`${PORTAL}/console`);
      expect(page.url()).toBe(`${PORTAL}/console/sign-in`);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('refuses a callback that no sign-in in this browser started', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const answer = await page.goto(`${PORTAL}/console/oidc/callback?code=forged&state=forged`);
      expect(answer?.status()).toBe(401);
      expect(await page.getByRole('alert').innerText()).toContain('expired or was already used');
    } finally {
      await context.close();
    }
  });
});
