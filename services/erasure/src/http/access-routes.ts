import type { FastifyInstance } from 'fastify';

import { ProblemError } from '@lethe/service-kit';

import type { AccessRequests } from '../access/access-requests';

// Access requests (right of access and portability): by subject in the path, so a subject token
// reaches only its own (the service kit checks `subjectParam`), and the package's download is
// recorded as a read of personal data before it leaves.

const SUBJECT_ACCESS = { scopes: ['service', 'operator', 'subject'] as const, subjectParam: 'subjectId' };

const subjectParams = {
  type: 'object',
  required: ['subjectId'],
  properties: { subjectId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;
const requestParams = {
  type: 'object',
  required: ['subjectId', 'requestId'],
  properties: {
    subjectId: { type: 'string', minLength: 1, maxLength: 64 },
    requestId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
  },
} as const;

function notFound(): never {
  throw new ProblemError({
    status: 404,
    code: 'ACCESS_REQUEST_NOT_FOUND',
    title: 'Not Found',
    detail: 'no such access request for this subject',
  });
}

export async function accessRoutes(app: FastifyInstance, access: AccessRequests): Promise<void> {
  app.post<{ Params: { subjectId: string } }>(
    '/v1/subjects/:subjectId/access-requests',
    {
      config: { access: SUBJECT_ACCESS },
      schema: {
        summary: "Ask for a copy of the subject's data from every participant that exports",
        params: subjectParams,
      },
    },
    async (request, reply) => {
      const made = await access.request(request.params.subjectId, request.id);
      if (!made)
        throw new ProblemError({
          status: 409,
          code: 'SUBJECT_ERASED',
          title: 'Conflict',
          detail: 'this subject has been erased: there is no data to give',
        });
      return reply.status(202).send(made);
    },
  );

  app.get<{ Params: { subjectId: string } }>(
    '/v1/subjects/:subjectId/access-requests',
    {
      config: { access: SUBJECT_ACCESS },
      schema: { summary: "The subject's access requests, newest first", params: subjectParams },
    },
    async (request) => ({ requests: await access.list(request.params.subjectId) }),
  );

  app.get<{ Params: { subjectId: string; requestId: string } }>(
    '/v1/subjects/:subjectId/access-requests/:requestId',
    {
      config: { access: SUBJECT_ACCESS },
      schema: {
        summary: 'An access request: each participant, and until when its package is kept',
        params: requestParams,
      },
    },
    async (request) => (await access.view(request.params.subjectId, request.params.requestId)) ?? notFound(),
  );

  app.get<{ Params: { subjectId: string; requestId: string } }>(
    '/v1/subjects/:subjectId/access-requests/:requestId/package',
    {
      config: { access: { ...SUBJECT_ACCESS, personalData: { fields: ['access-package'] } } },
      schema: {
        summary: "The package of the subject's data (JSON), while it is kept",
        params: requestParams,
      },
    },
    async (request) => {
      const { subjectId, requestId } = request.params;
      const found = await access.download(subjectId, requestId);
      if (found) return found;
      if (!(await access.view(subjectId, requestId))) return notFound();
      throw new ProblemError({
        status: 409,
        code: 'ACCESS_PACKAGE_UNAVAILABLE',
        title: 'Conflict',
        detail: 'the package is not ready yet, or it has expired and been deleted',
      });
    },
  );
}
