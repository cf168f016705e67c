import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { fetchLocal, lethe, LETHE_HOME } from './local-stack';

// The local mail server's API (Mailpit, deploy/local/lib/mail.sh), as `admin` reads it: HTTPS
// under the local CA with a login. Tests find the mail a user would find in their inbox.

interface Summary {
  readonly ID: string;
  readonly Subject: string;
  readonly To: readonly { Address: string }[];
}

function mailApi(): { base: string; authorization: string } {
  const env = lethe('env').stdout;
  const url = new URL(/LETHE_MAIL_API_URL='([^']+)'/.exec(env)?.[1] ?? '');
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  return { base: url.toString().replace(/\/$/, ''), authorization };
}

export interface Mail {
  readonly id: string;
  readonly subject: string;
  readonly text: string;
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** Mails already seen (by id): a newer one is wanted, as mails go out after the page answers. */
  readonly besides?: readonly Mail[];
}

export interface Inbox {
  /** The text of the newest mail to `address` whose subject matches, waiting up to `timeoutMs`. */
  waitFor(address: string, subject: RegExp, options?: WaitOptions): Promise<Mail>;
  /** Every mail to `address` so far, newest first. */
  list(address: string): Promise<Mail[]>;
}

export function localInbox(): Inbox {
  const { base, authorization } = mailApi();
  const get = async <T>(path: string): Promise<T> => {
    const answer = await fetchLocal(`${base}${path}`, { headers: { authorization } });
    if (!answer.ok) throw new Error(`Mailpit ${path} answered ${answer.status}`);
    return (await answer.json()) as T;
  };
  const list = async (address: string) => {
    const found = await get<{ messages: Summary[] }>(
      `/api/v1/search?query=${encodeURIComponent(`to:"${address}"`)}`,
    );
    return Promise.all(
      found.messages
        .filter((m) => m.To.some((to) => to.Address === address))
        .map(async (m) => ({
          id: m.ID,
          subject: m.Subject,
          text: (await get<{ Text: string }>(`/api/v1/message/${m.ID}`)).Text,
        })),
    );
  };
  return {
    list,
    async waitFor(address, subject, { timeoutMs = 30_000, besides = [] } = {}) {
      const deadline = Date.now() + timeoutMs;
      const seen = new Set(besides.map((m) => m.id));
      for (;;) {
        const mail = (await list(address)).find((m) => subject.test(m.subject) && !seen.has(m.id));
        if (mail) return mail;
        if (Date.now() > deadline)
          throw new Error(
            `no mail to ${address} matching ${subject} within ${timeoutMs} ms; the portal logged meanwhile:\n` +
              portalMailLog(deadline - timeoutMs),
          );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}

/**
 * What the portal logged about mail since `sinceMs` (its log carries no addresses), so a mail
 * that never came says why: a refusing server, no live account, a notice for a gone account.
 */
function portalMailLog(sinceMs: number): string {
  const file = path.join(LETHE_HOME, 'logs', 'portal.log');
  if (!existsSync(file)) return '(no portal log)';
  const relevant = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => {
      const entry = /"level":(\d+),"time":"([^"]+)"/.exec(line);
      if (!entry || Date.parse(entry[2]!) < sinceMs - 1_000) return false;
      return Number(entry[1]) >= 40 || /mail|sign-in|notice/.test(line);
    })
    .slice(-15)
    .map((line) => line.slice(0, 400));
  return relevant.length > 0 ? relevant.join('\n') : '(nothing)';
}
