import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';

import { LETHE_HOME, REPO_DIR } from './local-stack';

// Headless Chromium for the tests that use the local system as a person does: it trusts exactly
// the local server's key, every page can be checked with axe-core (WCAG 2.1 A and AA), and
// screenshots go to test-results/portal/ for a person to look at.

const CHROMIUM = process.env.LETHE_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = path.join(REPO_DIR, 'test-results', 'portal');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Chromium trusts exactly the local server's key, and nothing else it would otherwise refuse. */
function serverKeyPin(): string {
  const certificate = new X509Certificate(readFileSync(path.join(LETHE_HOME, 'tls', 'server.crt')));
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set LETHE_CHROMIUM`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', `--ignore-certificate-errors-spki-list=${serverKeyPin()}`],
  });
}

/** No WCAG 2.1 A or AA violation on the page as it is now, and a screenshot of it. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await page.evaluate(axe.source);
  // A string runs in the page (where axe now is), not in this Node process.
  const { violations } = await page.evaluate<axe.AxeResults>(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_21_AA)} } })`,
  );
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
