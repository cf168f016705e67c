import type { FastifyInstance } from 'fastify';

import { ProblemError } from '@lethe/service-kit';

import type { RequestTimelines } from '../timeline/request-timeline';

export async function auditRoutes(
  app: FastifyInstance,
  deps: { timelines: RequestTimelines },
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
}
