import type { Redis } from 'ioredis';

import type { Logger } from '@lethe/logger';

import type { LetheApi } from '../api/lethe-api';
import { openText, sealText } from '../sealing';
import { erasureCompletedMail } from './messages';
import type { Mailer } from './mailer';

// The completion mail goes to an address the erasure itself deletes, so the portal keeps the
// address for that one mail: sealed (AES-256-GCM under a key of the portal's), in Redis beside
// the request id, for no longer than a request can take (35 days), and deleted once it is sent.

const NOTICE_LIFETIME_SECONDS = 35 * 24 * 60 * 60;
const PENDING = 'lethe:portal:notices';
const noticeKey = (requestId: string) => `lethe:portal:notice:${requestId}`;

export interface CompletionNotices {
  /** Remembers to mail `to` when the request completes. */
  expect(requestId: string, subjectId: string, to: string): Promise<void>;
  /** Mails every pending notice whose request has completed; returns how many were sent. */
  sendDue(): Promise<number>;
  /** Checks every `intervalMs` until stopped. */
  start(intervalMs: number): () => void;
}

export function completionNotices(deps: {
  redis: Redis;
  api: LetheApi;
  mailer: Mailer;
  key: Buffer;
  statusUrl: (requestId: string) => string;
  logger: Logger;
}): CompletionNotices {
  const sendDue = async () => {
    let sent = 0;
    for (const requestId of await deps.redis.smembers(PENDING)) {
      const notice = await deps.redis.hgetall(noticeKey(requestId));
      if (!notice.subjectId || !notice.to) {
        await deps.redis.srem(PENDING, requestId); // expired unsent: nothing left to send to
        continue;
      }
      const view = await deps.api.erasureRequest(notice.subjectId, requestId);
      if (view?.status !== 'completed' || !view.certificate) continue;
      await deps.mailer.send(
        erasureCompletedMail(
          openText(deps.key, notice.to, requestId),
          view.certificate.digest,
          deps.statusUrl(requestId),
        ),
      );
      await deps.redis.multi().del(noticeKey(requestId)).srem(PENDING, requestId).exec();
      sent += 1;
    }
    return sent;
  };
  return {
    async expect(requestId, subjectId, to) {
      await deps.redis
        .multi()
        .hset(noticeKey(requestId), { subjectId, to: sealText(deps.key, to, requestId) })
        .expire(noticeKey(requestId), NOTICE_LIFETIME_SECONDS)
        .sadd(PENDING, requestId)
        .exec();
    },
    sendDue,
    start(intervalMs) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        sendDue()
          .catch((error: unknown) =>
            deps.logger.warn({ err: error }, 'completion notices: a check failed; retried'),
          )
          .finally(() => {
            running = false;
          });
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
