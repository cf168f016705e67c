import type { FastifyInstance } from 'fastify';

import { ProblemError } from '@lethe/service-kit';

import type { ReceiptSource } from '../receipts/receipt-store';
import type { RequestTimelines } from '../timeline/request-timeline';

export async function auditRoutes(
  app: FastifyInstance,
  deps: {
    timelines: RequestTimelines;
    /** The receipt of a completed erasure, or undefined (not completed, or no signed head yet). */
    receipts: ReceiptSource;
  },
): Promise<void> {
  app.get<{ Params: { requestId: string } }>(
    '/v1/erasure-requests/:requestId/timeline',
    {
      config: { access: { scopes: ['auditor', 'operator'] } },
      schema: {
        summary: "An erasure request's events in order, each with its ledger sequence number",
        params: {
          type: 'object',
          required: ['requestId'],
          properties: { requestId: { type: 'string', maxLength: 100 } },
        },
      },
    },
    async (request) => {
      const events = await deps.timelines.of(request.params.requestId);
      if (events.length === 0)
        throw new ProblemError({
          status: 404,
          title: 'Not Found',
          code: 'AUDIT_REQUEST_UNKNOWN',
          detail: 'no such erasure request in the ledger',
        });
      return { requestId: request.params.requestId, events };
    },
  );

  app.get<{ Params: { requestId: string } }>(
    '/v1/erasure-requests/:requestId/receipt',
    {
      // The subject whose erasure it proves may fetch it too (the portal's download).
      config: { access: { scopes: ['auditor', 'operator', 'subject'] } },
      schema: {
        summary:
          "A completed erasure's receipt: certificate, ledger entry, RFC 9162 inclusion proof and signed tree head (lethe audit check-receipt checks it offline)",
        params: {
          type: 'object',
          required: ['requestId'],
          properties: { requestId: { type: 'string', maxLength: 100 } },
        },
      },
    },
    async (request) => {
      const found = await deps.receipts(request.params.requestId);
      const caller = request.caller!;
      const subjectOnly = caller.scope.every((scope) => scope === 'subject');
      // Not found, rather than forbidden: a subject learns nothing of other subjects' erasures.
      if (!found || (subjectOnly && caller.subjectId !== found.subjectId))
        throw new ProblemError({
          status: 404,
          title: 'Not Found',
          code: 'AUDIT_RECEIPT_UNAVAILABLE',
          detail: 'no completed erasure with that id under a signed tree head yet',
        });
      return found.receipt;
    },
  );
}
