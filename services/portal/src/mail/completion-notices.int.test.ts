import { randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';

import { testLogger } from '@lethe/test-harness';

import { redisUnderOwnPrefix } from '../../test/redis-prefix';

import type { ErasureView, ExportView, LetheApi } from '../api/lethe-api';
import { completionNotices } from './completion-notices';
import type { Mail, Mailer } from './mailer';

// The completion mails against the real Redis: an address sealed at rest, sent once the request
// completes and then forgotten; one notice that cannot go holds back no other.

const completed = (requestId: string): ErasureView => ({
  requestId,
  status: 'completed',
  dueAt: new Date().toISOString(),
  result: 'complete',
  certificate: { json: '{}', digest: `sha256:${'ab'.repeat(32)}` },
});

describe('completion notices', () => {
  const { prefix, redis: opened } = redisUnderOwnPrefix();
  let redis: Redis;
  beforeAll(() => {
    redis = opened();
  });

  function notices(options: {
    key: Buffer;
    done: Set<string>;
    sent: Mail[];
    failFor?: Set<string>;
    exports?: Map<string, ExportView['status']>;
  }) {
    // Stand-ins for the other services' API and the mail server: what is tested is the store.
    const api = {
      erasureRequest: async (_subjectId: string, requestId: string) =>
        options.done.has(requestId) ? completed(requestId) : undefined,
      exportRequest: async (_subjectId: string, requestId: string): Promise<ExportView | undefined> => {
        const status = options.exports?.get(requestId);
        return status
          ? {
              requestId,
              status,
              requestedAt: new Date().toISOString(),
              expiresAt: status === 'ready' ? '2026-12-08T09:00:00.000Z' : null,
              packageDigest: null,
              participants: [],
              deletedBecause: status === 'deleted' ? 'expired' : null,
            }
          : undefined;
      },
    } as unknown as LetheApi;
    const mailer: Mailer = {
      send: async (mail) => {
        if (options.failFor?.has(mail.to)) throw new Error('mail server refused');
        options.sent.push(mail);
      },
      close: () => undefined,
    };
    return completionNotices({
      redis,
      api,
      mailer,
      key: options.key,
      statusUrl: (id) => `https://portal.example/requests/${id}`,
      exportUrl: (id) => `https://portal.example/exports/${id}`,
      logger: testLogger(),
      keyPrefix: prefix,
    });
  }

  it('keeps the address sealed, mails it once the request completes, then forgets it', async () => {
    const key = randomBytes(32);
    const done = new Set<string>();
    const sent: Mail[] = [];
    const store = notices({ key, done, sent });
    await store.expect('req_a', 'sub_a', 'ada@example.com');
    expect(JSON.stringify(await redis.hgetall(`${prefix}notice:req_a`))).not.toContain('ada@example.com');

    expect(await store.sendDue()).toBe(0); // not complete yet
    done.add('req_a');
    expect(await store.sendDue()).toBe(1);
    expect(sent).toEqual([expect.objectContaining({ to: 'ada@example.com' })]);
    expect(sent[0]!.text).toContain(`sha256:${'ab'.repeat(32)}`);
    expect(await redis.exists(`${prefix}notice:req_a`)).toBe(0);
    expect(await store.sendDue()).toBe(0); // once
  });

  it('drops a notice sealed under a key it no longer has, and retries one the mail server refused, without holding back the rest', async () => {
    const done = new Set(['req_old', 'req_down', 'req_ok']);
    const sent: Mail[] = [];
    await notices({ key: randomBytes(32), done, sent }).expect('req_old', 'sub_old', 'old@example.com');
    const failFor = new Set(['down@example.com']);
    const store = notices({ key: randomBytes(32), done, sent, failFor });
    await store.expect('req_down', 'sub_down', 'down@example.com');
    await store.expect('req_ok', 'sub_ok', 'ok@example.com');

    expect(await store.sendDue()).toBe(1);
    expect(sent.map((mail) => mail.to)).toEqual(['ok@example.com']);
    expect(await redis.exists(`${prefix}notice:req_old`)).toBe(0); // can never open: dropped
    expect(await redis.exists(`${prefix}notice:req_down`)).toBe(1); // kept for the next try

    failFor.clear();
    expect(await store.sendDue()).toBe(1);
    expect(sent.map((mail) => mail.to)).toEqual(['ok@example.com', 'down@example.com']);
  });

  it('mails that a copy of the data is ready once it is, and forgets a copy deleted before it was', async () => {
    const exports = new Map<string, ExportView['status']>([
      ['acc_ready', 'in-progress'],
      ['acc_gone', 'in-progress'],
    ]);
    const sent: Mail[] = [];
    const store = notices({ key: randomBytes(32), done: new Set(), sent, exports });
    await store.expect('acc_ready', 'sub_e', 'eve@example.com', 'export');
    await store.expect('acc_gone', 'sub_f', 'fay@example.com', 'export');
    expect(await store.sendDue()).toBe(0); // being prepared

    exports.set('acc_ready', 'ready');
    exports.set('acc_gone', 'deleted');
    expect(await store.sendDue()).toBe(1);
    expect(sent).toEqual([
      expect.objectContaining({ to: 'eve@example.com', subject: 'Your copy of your data is ready' }),
    ]);
    expect(sent[0]!.text).toContain('https://portal.example/exports/acc_ready');
    expect(await redis.exists(`${prefix}notice:acc_ready`)).toBe(0);
    expect(await redis.exists(`${prefix}notice:acc_gone`)).toBe(0);
  });
});
