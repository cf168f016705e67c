import { fetchLocal, lethe } from './local-stack';

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
          throw new Error(`no mail to ${address} matching ${subject} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}
