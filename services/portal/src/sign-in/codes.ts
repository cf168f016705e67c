import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

import type { Redis } from 'ioredis';

// Email one-time codes. A code lives 10 minutes; five wrong codes for one address lock its
// sign-in for 15 minutes, whichever codes they were tried against, and a locked address is sent
// no new code. Redis holds only keyed hashes: of the code (with its challenge) and of the address.

export const CODE_LIFETIME_SECONDS = 10 * 60;
export const MAX_WRONG_CODES = 5;
export const LOCK_SECONDS = 15 * 60;
/** Codes sent to one address in LOCK_SECONDS at most: the form cannot be used to flood an inbox. */
export const MAX_CODES_SENT = 5;

const keys = {
  challenge: (id: string) => `lethe:portal:challenge:${id}`,
  failures: (address: string) => `lethe:portal:failures:${address}`,
  lock: (address: string) => `lethe:portal:lock:${address}`,
  sent: (address: string) => `lethe:portal:sent:${address}`,
};

export type CodeRequest =
  | { readonly kind: 'sent'; readonly challengeId: string; readonly code: string | null }
  | { readonly kind: 'locked' }
  | { readonly kind: 'too-many' };

export type CodeCheck =
  | { readonly kind: 'signed-in'; readonly subjectId: string }
  | { readonly kind: 'wrong'; readonly attemptsLeft: number }
  | { readonly kind: 'expired' }
  | { readonly kind: 'locked' };

export interface SignInCodes {
  /**
   * A challenge for the address. `code` is null when no account has it: the caller answers the
   * same either way, so the form tells no one which addresses have accounts.
   */
  request(email: string, subjectId: string | undefined): Promise<CodeRequest>;
  check(challengeId: string, code: string): Promise<CodeCheck>;
}

export function signInCodes(redis: Redis, secret: Buffer): SignInCodes {
  const keyed = (...parts: string[]) =>
    createHmac('sha256', secret).update(parts.join('\0')).digest('base64url');
  const addressOf = (email: string) => keyed('address', email.trim().toLowerCase());
  return {
    async request(email, subjectId) {
      const address = addressOf(email);
      if ((await redis.exists(keys.lock(address))) === 1) return { kind: 'locked' };
      const [[, sent]] = (await redis
        .multi()
        .incr(keys.sent(address))
        .expire(keys.sent(address), LOCK_SECONDS, 'NX')
        .exec()) as [[Error | null, number], unknown];
      if (sent > MAX_CODES_SENT) return { kind: 'too-many' };
      const challengeId = randomBytes(24).toString('base64url');
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await redis
        .multi()
        .hset(keys.challenge(challengeId), {
          address,
          subjectId: subjectId ?? '',
          code: keyed('code', challengeId, code),
        })
        .expire(keys.challenge(challengeId), CODE_LIFETIME_SECONDS)
        .exec();
      return { kind: 'sent', challengeId, code: subjectId === undefined ? null : code };
    },
    async check(challengeId, code) {
      const challenge = await redis.hgetall(keys.challenge(challengeId));
      if (!challenge.address || !challenge.code) return { kind: 'expired' };
      const { address } = challenge;
      if ((await redis.exists(keys.lock(address))) === 1) return { kind: 'locked' };
      const expected = Buffer.from(challenge.code);
      const given = Buffer.from(keyed('code', challengeId, code.trim()));
      if (challenge.subjectId && expected.length === given.length && timingSafeEqual(expected, given)) {
        await redis.multi().del(keys.challenge(challengeId)).del(keys.failures(address)).exec();
        return { kind: 'signed-in', subjectId: challenge.subjectId };
      }
      const [[, failures]] = (await redis
        .multi()
        .incr(keys.failures(address))
        .expire(keys.failures(address), LOCK_SECONDS)
        .exec()) as [[Error | null, number], unknown];
      if (failures < MAX_WRONG_CODES) return { kind: 'wrong', attemptsLeft: MAX_WRONG_CODES - failures };
      await redis
        .multi()
        .set(keys.lock(address), '1', 'EX', LOCK_SECONDS)
        .del(keys.challenge(challengeId), keys.failures(address))
        .exec();
      return { kind: 'locked' };
    },
  };
}
