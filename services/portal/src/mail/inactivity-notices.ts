import type { Redis } from 'ioredis';

import { isEventOfType, type LetheEvent } from '@lethe/events';
import type { Logger } from '@lethe/logger';

import type { LetheApi } from '../api/lethe-api';
import type { KeepLinks } from './keep-links';
import type { Mailer } from './mailer';
import { inactivityNoticeMail } from './messages';

// The policy's notice before an inactive account is erased: the retention service puts
// RetentionExpiryNoticed on its log; the portal mails it to the account's address with a link
// that keeps the account. A redelivered notice is mailed once (remembered by event id).

/** The retention policy's clock for accounts nobody uses (policies/*.json). */
export const INACTIVITY_CLOCK = 'account-inactivity';
const REMEMBERED_SECONDS = 40 * 24 * 60 * 60;

export function inactivityNotices(deps: {
  redis: Redis;
  api: LetheApi;
  mailer: Mailer;
  links: KeepLinks;
  /** The page a link opens: `${publicUrl}/keep/<token>`. */
  keepUrl: (token: string) => string;
  logger: Logger;
  keyPrefix?: string;
}) {
  const prefix = deps.keyPrefix ?? 'lethe:portal:';
  return {
    /** Handles one event of the retention log; throws (to be retried) when the mail cannot go yet. */
    async onRetentionEvent(event: LetheEvent): Promise<void> {
      if (!isEventOfType(event, 'RetentionExpiryNoticed') || event.data.clock !== INACTIVITY_CLOCK) return;
      const subjectId = event.envelope.subjectId;
      if (!subjectId) return;
      const sent = `${prefix}inactivity-noticed:${event.envelope.eventId}`;
      if (await deps.redis.exists(sent)) return;
      const profile = await deps.api.profile(subjectId);
      // Erased or deleted since: there is no one to tell, and no address to tell them at.
      if (!profile) {
        deps.logger.info(
          { eventId: event.envelope.eventId },
          'inactivity notice not mailed: the account is gone',
        );
        return;
      }
      const token = await deps.links.make(subjectId, event.data.expiresAt, Date.now());
      await deps.mailer.send(inactivityNoticeMail(profile.email, event.data.expiresAt, deps.keepUrl(token)));
      await deps.redis.set(sent, '1', 'EX', REMEMBERED_SECONDS);
      deps.logger.info({ eventId: event.envelope.eventId }, 'inactivity notice mailed');
    },
  };
}
