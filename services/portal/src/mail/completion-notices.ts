import type { Redis } from 'ioredis';

import type { Logger } from '@lethe/logger';

import type { LetheApi } from '../api/lethe-api';
import { openText, sealText } from '../sealing';
import { erasureCompletedMail, exportReadyMail } from './messages';
import type { Mail } from './mailer';
import type { Mailer } from './mailer';

// The completion mail goes to an address the erasure itself deletes, so the portal keeps the
// address for that one mail: sealed (AES-256-GCM under a key of the portal's), in Redis beside
// the request id, for no longer than a request can take (35 days), and deleted once it is sent.
// An access request's ready mail is kept the same way until its package is ready.

/** What a notice waits for: an erasure to complete, or a copy of the data to be ready. */
export type NoticeKind = 'erasure' | 'export';

const NOTICE_LIFETIME_SECONDS = 35 * 24 * 60 * 60;

export interface CompletionNotices {
  /** Remembers to mail `to` when the request completes (an erasure) or is ready (an export). */
  expect(requestId: string, subjectId: string, to: string, kind?: NoticeKind): Promise<void>;
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
  /** The page of an access request, linked from its ready mail. */
  exportUrl: (requestId: string) => string;
  logger: Logger;
  /** Where in Redis the notices are kept (a test keeps its own). */
  keyPrefix?: string;
}): CompletionNotices {
  const prefix = deps.keyPrefix ?? 'lethe:portal:';
  const PENDING = `${prefix}notices`;
  const noticeKey = (requestId: string) => `${prefix}notice:${requestId}`;
  const forget = (requestId: string) =>
    deps.redis.multi().del(noticeKey(requestId)).srem(PENDING, requestId).exec();
  /** The mail a notice's request now calls for (to be addressed), not yet (undefined), or none ever. */
  const dueMail = async (
    kind: NoticeKind,
    subjectId: string,
    requestId: string,
  ): Promise<((to: string) => Mail) | undefined | 'gone'> => {
    if (kind === 'export') {
      const view = await deps.api.exportRequest(subjectId, requestId);
      if (!view || view.status === 'deleted') return 'gone';
      const { expiresAt } = view;
      return view.status === 'ready' && expiresAt
        ? (to) => exportReadyMail(to, expiresAt, deps.exportUrl(requestId))
        : undefined;
    }
    const view = await deps.api.erasureRequest(subjectId, requestId);
    if (view?.status !== 'completed' || !view.certificate) return undefined;
    const { digest } = view.certificate;
    return (to) => erasureCompletedMail(to, digest, deps.statusUrl(requestId));
  };
  /** Mails one notice if its request is complete; true when it went. */
  const sendOne = async (requestId: string): Promise<boolean> => {
    const notice = await deps.redis.hgetall(noticeKey(requestId));
    if (!notice.subjectId || !notice.to) {
      await forget(requestId); // expired unsent: nothing left to send to
      return false;
    }
    const mail = await dueMail(notice.kind === 'export' ? 'export' : 'erasure', notice.subjectId, requestId);
    if (mail === 'gone') {
      await forget(requestId); // the copy was deleted before it was ever ready: nothing to tell
      return false;
    }
    if (!mail) return false;
    let to: string;
    try {
      to = openText(deps.key, notice.to, requestId);
    } catch {
      // Sealed under a key the portal no longer has (it was rotated): it can never be sent.
      deps.logger.warn({ requestId }, 'completion notice: the address does not open; dropped');
      await forget(requestId);
      return false;
    }
    await deps.mailer.send(mail(to));
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
    async expect(requestId, subjectId, to, kind = 'erasure') {
      await deps.redis
        .multi()
        .hset(noticeKey(requestId), { subjectId, kind, to: sealText(deps.key, to, requestId) })
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
