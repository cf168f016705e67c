import { createHash } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { ProblemError } from './problem';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route creates something: it honours an `Idempotency-Key` header. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    /**
     * With an `Idempotency-Key`: a digest of the caller, the route and the key. Routes derive
     * the id of what they create from it, so a retry whose first answer was lost (a failure
     * after the commit) finds the same resource instead of making a second one.
     */
    idempotencyId?: string;
  }
}

/** The first answer to a request, kept to be given again. */
export interface RecordedAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

export type IdempotencyClaim =
  | { readonly kind: 'first' }
  | { readonly kind: 'answered'; readonly answer: RecordedAnswer }
  | { readonly kind: 'other-request' };

/** Where keys and first answers are kept (a MongoDB collection per service). */
export interface IdempotencyRecords {
  /** Records the key for this request, or says what an earlier request with it became. */
  claim(id: string, fingerprint: string): Promise<IdempotencyClaim>;
  /** Keeps the first answer; a later one with the same id is dropped. */
  answered(id: string, fingerprint: string, answer: RecordedAnswer): Promise<void>;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** JSON with keys sorted, so the same body always has the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A 32-hex id for what an idempotent request creates, e.g. `sub_${derivedId(request)}`. */
export function derivedId(request: FastifyRequest): string | undefined {
  return request.idempotencyId?.slice(0, 32);
}

/**
 * `Idempotency-Key` on every route marked `idempotent`: the same key with the same request
 * gets the first answer again (`Idempotent-Replayed: true`); with another request, 422. Only
 * answers below 500 are kept: after a 5xx the retry runs again, and finds what the first run
 * created through the id derived from the key.
 */
export function honourIdempotencyKeys(app: FastifyInstance, records: IdempotencyRecords): void {
  const fingerprints = new WeakMap<FastifyRequest, string>();

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers['idempotency-key'];
    if (!request.routeOptions.config.idempotent || header === undefined) return;
    if (typeof header !== 'string' || !KEY_PATTERN.test(header))
      throw new ProblemError({
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
        title: 'Bad Request',
        detail: 'Idempotency-Key must be 1 to 255 visible ASCII characters',
      });
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    const id = sha256(`lethe.idempotency.v1|${request.caller?.sub ?? '-'}|${route}|${header}`);
    const fingerprint = sha256(canonical({ params: request.params, body: request.body ?? null }));
    const claim = await records.claim(id, fingerprint);
    if (claim.kind === 'other-request')
      throw new ProblemError({
        status: 422,
        code: 'IDEMPOTENCY_KEY_REUSED',
        title: 'Unprocessable Content',
        detail: 'this Idempotency-Key was used with another request; use a new key for a new request',
      });
    if (claim.kind === 'answered') {
      const { status, contentType, body } = claim.answer;
      if (contentType) void reply.type(contentType);
      return reply.status(status).header('idempotent-replayed', 'true').send(body);
    }
    request.idempotencyId = id;
    fingerprints.set(request, fingerprint);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const fingerprint = fingerprints.get(request);
    if (!request.idempotencyId || !fingerprint || reply.statusCode >= 500) return payload;
    const contentType = reply.getHeader('content-type');
    await records.answered(request.idempotencyId, fingerprint, {
      status: reply.statusCode,
      contentType: typeof contentType === 'string' ? contentType : null,
      body: typeof payload === 'string' ? payload : '',
    });
    return payload;
  });
}
