import type { FastifyInstance } from 'fastify';

import { ProblemError } from '@lethe/service-kit';

import type { HostedParticipants } from '../https-participants/hosted-participants';
import { endpointProblem, HTTPS_PARTICIPANT_PREFIX } from '../https-participants/registrations';

interface RegistrationBody {
  endpoint: string;
  stores: string[];
  categories: string[];
  phase: number;
  timeoutMs: number;
}

const participantIdPattern = `^${HTTPS_PARTICIPANT_PREFIX}[a-z0-9][a-z0-9-]{0,55}$`;

/** PUT and GET /v1/https-participants: participants that take their tasks over HTTPS. */
export function httpsParticipantRoutes(app: FastifyInstance, hosted: HostedParticipants): void {
  app.put<{ Params: { participantId: string }; Body: RegistrationBody }>(
    '/v1/https-participants/:participantId',
    {
      config: { access: { scopes: ['service', 'operator'] } },
      schema: {
        summary:
          'Register (or change) a participant that takes its erasure tasks at an HTTPS endpoint instead of a task topic',
        params: {
          type: 'object',
          required: ['participantId'],
          properties: { participantId: { type: 'string', pattern: participantIdPattern } },
        },
        body: {
          type: 'object',
          required: ['endpoint', 'stores', 'categories', 'phase', 'timeoutMs'],
          additionalProperties: false,
          properties: {
            endpoint: { type: 'string', minLength: 9, maxLength: 2048 },
            stores: {
              type: 'array',
              minItems: 1,
              maxItems: 32,
              items: { type: 'string', minLength: 1, maxLength: 100 },
            },
            categories: {
              type: 'array',
              minItems: 1,
              maxItems: 32,
              items: { type: 'string', minLength: 1, maxLength: 64 },
            },
            phase: { type: 'integer', minimum: 1, maximum: 2 },
            timeoutMs: { type: 'integer', minimum: 1_000, maximum: 3_600_000 },
          },
        },
      },
    },
    async (request, reply) => {
      const problem = endpointProblem(request.body.endpoint);
      if (problem)
        throw new ProblemError({
          status: 400,
          title: 'Bad Request',
          code: 'ENDPOINT_INVALID',
          detail: problem,
        });
      const registration = {
        participantId: request.params.participantId,
        ...request.body,
        registeredBy: request.caller?.sub ?? 'unknown',
        registeredAt: new Date().toISOString(),
      };
      await hosted.register(registration);
      return reply.code(200).send(registration);
    },
  );

  app.get(
    '/v1/https-participants',
    {
      config: { access: { scopes: ['service', 'operator', 'auditor'] } },
      schema: { summary: 'The participants that take their erasure tasks over HTTPS' },
    },
    async () => ({ participants: await hosted.list() }),
  );
}
