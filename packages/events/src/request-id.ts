import { createHash, randomUUID } from 'node:crypto';

// Erasure request ids have one format wherever they are minted: `req_` and 32 hex digits.

/** A fresh request id, for a request a caller makes now (HTTP). */
export function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, '')}`;
}

/**
 * The request id an event causes (a DeletionRequested on ingest, a RetentionExpired): derived
 * from the event id, so the same event delivered twice asks for the same erasure.
 */
export function requestIdFrom(causingEventId: string): string {
  return `req_${createHash('sha256').update(causingEventId).digest('hex').slice(0, 32)}`;
}
