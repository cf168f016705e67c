import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { TokenClaims } from '@lethe/service-kit';

import {
  OpenDsrInvalid,
  OPENDSR_API_VERSION,
  parseOpenDsrRequest,
  SUPPORTED_IDENTITIES,
  REQUEST_TYPES,
} from '../opendsr/opendsr-request';
import type { OpenDsrProcessor } from '../opendsr/opendsr-processor';
import type { OpenDsrSigner } from '../opendsr/opendsr-signer';
import type { OpenDsrRecord, OpenDsrStore } from '../opendsr/opendsr-store';
import { statusBody } from '../opendsr/opendsr-callbacks';

// The OpenDSR 1.0 processor endpoints (formerly OpenGDPR, whose route names are answered too):
// a controller's DSR tool sends erasure, access and portability requests, reads their status,
// and hears each change at its callback URLs. Every answer is signed (X-OpenDSR-Signature).
// Authentication is the processor's choice (section 4.3): a Lethe `service` token for `portal`,
// whose subject is the controller id; one controller never sees another's requests.

const PUBLIC = { config: { access: { public: true } } } as const;
const REQUEST_ID = /^[0-9a-f-]{36}$/;
const CERTIFICATE_PATH = '/v1/opendsr/certificate.pem';

export interface OpenDsrRouteDeps {
  processor: OpenDsrProcessor;
  store: OpenDsrStore;
  signer: OpenDsrSigner;
  /** Checks a bearer token as a service would, for the audience `portal`. */
  verify: (token: string) => TokenClaims;
  publicUrl: string;
  resultsUrl: (record: OpenDsrRecord) => string | undefined;
  /** The hosts callbacks may go to (LETHE_OPENDSR_CALLBACK_HOSTS); empty: any HTTPS host. */
  callbackHosts: readonly string[];
}

/** The spec's error object (section 7.6): a reason, never the identity or the token. */
const errorBody = (code: number, message: string) => ({ error: { code, message } });

class ControllerRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface RawJson {
  raw: string;
  json: unknown;
}

export async function openDsrRoutes(app: FastifyInstance, deps: OpenDsrRouteDeps): Promise<void> {
  await app.register(async (scope) => {
    // The raw body is kept: the answer carries it back, base64, as encoded_request.
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: 65_536 },
      (_request, body, done) => {
        try {
          done(null, { raw: body as string, json: JSON.parse(body as string) as unknown } satisfies RawJson);
        } catch {
          done(new OpenDsrInvalid('the body is not JSON'), undefined);
        }
      },
    );
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof OpenDsrInvalid) return sendSigned(reply, 400, errorBody(400, error.message));
      if (error instanceof ControllerRefused)
        return sendSigned(reply, error.status, errorBody(error.status, error.message));
      const status = (error as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500)
        return sendSigned(reply, status, errorBody(status, 'the request is not one this endpoint takes'));
      request.log.error({ err: error }, 'OpenDSR request failed');
      return sendSigned(
        reply,
        503,
        errorBody(503, 'the request could not be processed just now; send it again'),
      );
    });

    function sendSigned(reply: FastifyReply, status: number, body: unknown) {
      const text = JSON.stringify(body);
      return reply
        .status(status)
        .headers({ ...deps.signer.headers(text), 'cache-control': 'no-store' })
        .type('application/json')
        .send(text);
    }

    const controllerOf = (request: FastifyRequest): string => {
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
      if (!token) throw new ControllerRefused(401, 'a bearer token is required');
      let claims: TokenClaims;
      try {
        claims = deps.verify(token);
      } catch {
        throw new ControllerRefused(401, 'the bearer token is not valid for this processor');
      }
      if (!claims.scope.includes('service'))
        throw new ControllerRefused(403, 'OpenDSR requests take a service token (the controller)');
      return claims.sub;
    };

    const recordOf = async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const controllerId = controllerOf(request);
      const record = REQUEST_ID.test(request.params.id)
        ? await deps.store.find(controllerId, request.params.id)
        : undefined;
      if (!record) throw new ControllerRefused(404, 'no such request from this controller');
      return record;
    };

    scope.get('/v1/discovery', PUBLIC, async (_request, reply) =>
      sendSigned(reply, 200, {
        api_version: OPENDSR_API_VERSION,
        supported_identities: SUPPORTED_IDENTITIES,
        supported_subject_request_types: REQUEST_TYPES,
        processor_certificate: `${deps.publicUrl}${CERTIFICATE_PATH}`,
      }),
    );
    scope.get(CERTIFICATE_PATH, PUBLIC, async (_request, reply) =>
      reply.type('application/x-pem-file').send(deps.signer.certificatePem),
    );

    for (const name of ['opendsr', 'opengdpr']) {
      const base = `/v1/${name}_requests`;
      scope.post<{ Body: RawJson }>(base, PUBLIC, async (request, reply) => {
        const controllerId = controllerOf(request);
        if (!request.body) throw new OpenDsrInvalid('the body must be a JSON object');
        const parsed = parseOpenDsrRequest(request.body.json, deps.callbackHosts);
        const { created, record } = await deps.processor.submit(controllerId, parsed);
        if (!created && record.type !== parsed.type)
          throw new OpenDsrInvalid('subject_request_id is already used by another request');
        return sendSigned(reply, 201, {
          controller_id: controllerId,
          expected_completion_time: record.expectedAt,
          received_time: record.receivedAt,
          encoded_request: Buffer.from(request.body.raw, 'utf8').toString('base64'),
          subject_request_id: record.subjectRequestId,
        });
      });
      scope.get<{ Params: { id: string } }>(`${base}/:id`, PUBLIC, async (request, reply) => {
        const record = await deps.processor.refresh(await recordOf(request));
        return sendSigned(reply, 200, statusBody(record, deps.resultsUrl));
      });
      scope.delete<{ Params: { id: string } }>(`${base}/:id`, PUBLIC, async (request, reply) => {
        const record = await recordOf(request);
        // Lethe acts as a request arrives, so only one that never reached an account (or was
        // cancelled already) has nothing started to undo.
        const cancellable = record.status === 'pending' && record.requestId === null;
        if (record.status !== 'cancelled' && !cancellable)
          throw new OpenDsrInvalid(`the request is ${record.status} and can no longer be cancelled`);
        const cancelled =
          record.status === 'cancelled' ? record : { ...record, status: 'cancelled' as const };
        if (cancelled !== record) await deps.store.save(cancelled);
        return sendSigned(reply, 202, {
          controller_id: record.controllerId,
          subject_request_id: record.subjectRequestId,
          received_time: new Date().toISOString(),
          api_version: OPENDSR_API_VERSION,
        });
      });
      // Lethe's addition: the results_url of a completed access or portability request.
      scope.get<{ Params: { id: string } }>(`${base}/:id/results`, PUBLIC, async (request, reply) => {
        const record = await deps.processor.refresh(await recordOf(request));
        const results = record.status === 'completed' ? await deps.processor.results(record) : undefined;
        if (results === undefined) throw new ControllerRefused(404, 'this request has no results (any more)');
        return reply.header('cache-control', 'no-store').type('application/json').send(results);
      });
    }
  });
}
