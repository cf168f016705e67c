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
  /** Where in Redis the notices are kept (a test keeps its own). */
  keyPrefix?: string;
}): CompletionNotices {
  const prefix = deps.keyPrefix ?? 'lethe:portal:';
  const PENDING = `${prefix}notices`;
  const noticeKey = (requestId: string) => `${prefix}notice:${requestId}`;
  const forget = (requestId: string) =>
    deps.redis.multi().del(noticeKey(requestId)).srem(PENDING, requestId).exec();
  /** Mails one notice if its request is complete; true when it went. */
  const sendOne = async (requestId: string): Promise<boolean> => {
    const notice = await deps.redis.hgetall(noticeKey(requestId));
    if (!notice.subjectId || !notice.to) {
      await forget(requestId); // expired unsent: nothing left to send to
      return false;
    }
    const view = await deps.api.erasureRequest(notice.subjectId, requestId);
    if (view?.status !== 'completed' || !view.certificate) return false;
    let to: string;
    try {
      to = openText(deps.key, notice.to, requestId);
    } catch {
      // Sealed under a key the portal no longer has (it was rotated): it can never be sent.
      deps.logger.warn({ requestId }, 'completion notice: the address does not open; dropped');
      await forget(requestId);
      return false;
    }
    await deps.mailer.send(erasureCompletedMail(to, view.certificate.digest, deps.statusUrl(requestId)));
    await forget(requestId);
    return true;
  };
  // One notice that fails (the mail server down for it) does not hold back the others.
  const sendDue = async () => {
    let sent = 0;
    for (const requestId of await deps.redis.smembers(PENDING)) {
      try {
        if (await sendOne(requestId)) sent += 1;
      } catch (error) {
        deps.logger.warn({ err: error, requestId }, 'completion notice: not sent yet; retried');
      }
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
