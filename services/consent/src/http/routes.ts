import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { CommandContext, CommandHandler } from '@lethe/eventstore';
import { ProblemError } from '@lethe/service-kit';

import type { MarketingContacts } from '../consent/marketing-contacts';
import {
  ConsentError,
  type ConsentCommand,
  type ConsentDecision,
  type ConsentEvent,
  type ConsentState,
} from '../consent/model';
import type { Purpose } from '../consent/purposes';

export interface ConsentRoutesDeps {
  handle: CommandHandler<ConsentCommand, ConsentEvent, ConsentState>;
  read: (subjectId: string) => Promise<ConsentState>;
  check: (subjectId: string, purpose: string) => Promise<boolean>;
  contacts: MarketingContacts;
  purposes: ReadonlyMap<string, Purpose>;
  now: () => Date;
  /** The policy version recorded with an opt-out signal. */
  policyVersion: string;
}

const subjectId = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const purposeParam = { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' } as const;
const decisionSchema = {
  type: 'object',
  properties: {
    purpose: { type: 'string' },
    granted: { type: 'boolean' },
    source: { type: 'string' },
    policyVersion: { type: 'string' },
    textHash: { type: 'string' },
    gpc: { type: 'boolean' },
    at: { type: 'string', format: 'date-time' },
  },
} as const;

const view = (decision: ConsentDecision) => ({ ...decision, at: new Date(decision.at).toISOString() });

function asProblem(error: unknown): never {
  if (error instanceof ConsentError)
    throw new ProblemError({ status: 409, title: 'Conflict', code: error.code, detail: error.message });
  throw error;
}

type SubjectRequest = FastifyRequest<{ Params: { subjectId: string } }>;

/** What every route uses: the deps and the helpers built on them. */
interface ConsentRouteKit extends ConsentRoutesDeps {
  contextOf(request: FastifyRequest, now: Date): CommandContext;
  /** The purpose, or a 404 naming the purposes there are. */
  knownPurpose(purpose: string): Purpose;
  /** Records the opt-out a `Sec-GPC: 1` header expresses, if any. */
  honourGpc(request: SubjectRequest): Promise<void>;
}

const SUBJECT_ACCESS = { scopes: ['service', 'operator', 'subject'] as const, subjectParam: 'subjectId' };

export async function consentRoutes(app: FastifyInstance, deps: ConsentRoutesDeps): Promise<void> {
  const saleOrSharing = [...deps.purposes.values()].filter((p) => p.saleOrSharing).map((p) => p.id);
  const contextOf = (request: FastifyRequest, now: Date): CommandContext => ({
    now,
    correlationId: request.id,
    causationId: null,
  });
  const kit: ConsentRouteKit = {
    ...deps,
    contextOf,
    knownPurpose: (purpose) => {
      const found = deps.purposes.get(purpose);
      if (!found)
        throw new ProblemError({
          status: 404,
          title: 'Not Found',
          code: 'CONSENT_PURPOSE_UNKNOWN',
          detail: `no purpose ${purpose}; the purposes are ${[...deps.purposes.keys()].join(', ')}`,
        });
      return found;
    },
    // Sec-GPC: 1 is an opt-out of sale and sharing (CCPA regulations section 7025), on any request.
    honourGpc: async (request) => {
      if (request.headers['sec-gpc'] !== '1' || saleOrSharing.length === 0) return;
      const now = deps.now();
      const command: ConsentCommand = {
        type: 'HonourOptOutSignal',
        data: { purposes: saleOrSharing, policyVersion: deps.policyVersion },
        metadata: { now },
      };
      await deps.handle(request.params.subjectId, command, contextOf(request, now)).catch(asProblem);
    },
  };
  decideConsentRoute(app, kit);
  readConsentRoute(app, kit);
  checkConsentRoute(app, kit);
  gpcSupportRoute(app);
  purposesRoute(app, kit);
}

/** GET /v1/purposes: what a dashboard shows a subject before it records a choice. */
function purposesRoute(app: FastifyInstance, deps: ConsentRouteKit): void {
  app.get(
    '/v1/purposes',
    {
      config: { access: { scopes: ['service', 'operator', 'auditor', 'subject'] } },
      schema: {
        summary: 'The purposes a subject can consent to, and the policy version in force',
        response: {
          200: {
            type: 'object',
            properties: {
              policyVersion: { type: 'string' },
              purposes: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    description: { type: 'string' },
                    saleOrSharing: { type: 'boolean' },
                    marketingContact: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => ({
      policyVersion: deps.policyVersion,
      purposes: [...deps.purposes.values()].map((purpose) => ({
        id: purpose.id,
        description: purpose.description,
        saleOrSharing: purpose.saleOrSharing,
        marketingContact: purpose.marketingContact ?? null,
      })),
    }),
  );
}

/** The day Lethe's GPC support last changed (the fast check began to honour it). */
const GPC_SUPPORT_UPDATED = '2026-11-30';

/** GET /.well-known/gpc.json: the GPC specification's statement that the signal is honoured. */
function gpcSupportRoute(app: FastifyInstance): void {
  app.get(
    '/.well-known/gpc.json',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'Global Privacy Control support (GPC specification, section 3.5)',
        response: {
          200: {
            type: 'object',
            properties: { gpc: { type: 'boolean' }, lastUpdate: { type: 'string' } },
          },
        },
      },
    },
    async () => ({ gpc: true, lastUpdate: GPC_SUPPORT_UPDATED }),
  );
}

/** PUT /v1/subjects/:subjectId/consents/:purpose */
function decideConsentRoute(app: FastifyInstance, deps: ConsentRouteKit): void {
  app.put<{
    Params: { subjectId: string; purpose: string };
    Body: {
      granted: boolean;
      source: string;
      policyVersion: string;
      textHash: string;
      contact?: { address: string };
    };
  }>(
    '/v1/subjects/:subjectId/consents/:purpose',
    {
      config: { access: SUBJECT_ACCESS, idempotent: true },
      schema: {
        summary: 'Grant or withdraw consent to one purpose, with its proof',
        params: {
          type: 'object',
          required: ['subjectId', 'purpose'],
          properties: { subjectId, purpose: purposeParam },
        },
        body: {
          type: 'object',
          required: ['granted', 'source', 'policyVersion', 'textHash'],
          additionalProperties: false,
          properties: {
            granted: { type: 'boolean' },
            source: { type: 'string', minLength: 1, maxLength: 64 },
            policyVersion: { type: 'string', minLength: 1, maxLength: 64 },
            textHash: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
            contact: {
              type: 'object',
              required: ['address'],
              additionalProperties: false,
              properties: { address: { type: 'string', minLength: 3, maxLength: 320 } },
            },
          },
        },
        response: { 200: decisionSchema },
      },
    },
    async (request) => {
      const { subjectId: subject, purpose } = request.params;
      const found = deps.knownPurpose(purpose);
      const { contact, ...choice } = request.body;
      if (contact && (!found.marketingContact || !choice.granted))
        throw new ProblemError({
          status: 422,
          title: 'Unprocessable Content',
          code: 'CONSENT_CONTACT_NOT_EXPECTED',
          detail: `a contact address goes only with a grant of a marketing purpose (${purpose} is not one, or this is a withdrawal)`,
        });
      await deps.honourGpc(request);
      const now = deps.now();
      const result = await deps
        .handle(
          subject,
          { type: 'RecordConsent', data: { purpose, ...choice, gpc: false }, metadata: { now } },
          deps.contextOf(request, now),
        )
        .catch(asProblem);
      if (contact && found.marketingContact)
        await deps.contacts.save(subject, purpose, found.marketingContact, contact.address);
      return view(result.state.current[purpose]!);
    },
  );
}

/** GET /v1/subjects/:subjectId/consents */
function readConsentRoute(app: FastifyInstance, deps: ConsentRouteKit): void {
  app.get(
    '/v1/subjects/:subjectId/consents',
    {
      config: {
        access: {
          ...SUBJECT_ACCESS,
          scopes: ['service', 'operator', 'auditor', 'subject'] as const,
          personalData: { fields: ['consents', 'history'] },
        },
      },
      schema: {
        summary: 'Current consents and their full history',
        params: { type: 'object', required: ['subjectId'], properties: { subjectId } },
      },
    },
    async (request: SubjectRequest) => {
      await deps.honourGpc(request);
      const state = await deps.read(request.params.subjectId);
      return {
        subjectId: request.params.subjectId,
        consents: Object.fromEntries(Object.entries(state.current).map(([purpose, d]) => [purpose, view(d)])),
        history: state.history.map(view),
        ledgerClosed: state.closedBy !== null,
      };
    },
  );
}

/** GET /v1/subjects/:subjectId/consents/:purpose */
function checkConsentRoute(app: FastifyInstance, deps: ConsentRouteKit): void {
  app.get<{ Params: { subjectId: string; purpose: string } }>(
    '/v1/subjects/:subjectId/consents/:purpose',
    {
      config: { access: SUBJECT_ACCESS },
      // Other services ask this on every send: two access-log lines per check cost a sixth of
      // the throughput (bench/consent-checks.ts), and errors are still logged.
      logLevel: 'warn',
      schema: {
        summary: 'Fast yes/no: does the subject consent to this purpose now?',
        params: {
          type: 'object',
          required: ['subjectId', 'purpose'],
          properties: { subjectId, purpose: purposeParam },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              subjectId: { type: 'string' },
              purpose: { type: 'string' },
              granted: { type: 'boolean' },
            },
          },
        },
      },
    },
    async (request) => {
      const purpose = deps.knownPurpose(request.params.purpose);
      // A browser's Global Privacy Control, passed on by the caller: for a sale or sharing
      // purpose the answer is no, and the opt-out is recorded (once) as on any other request.
      if (purpose.saleOrSharing && request.headers['sec-gpc'] === '1') {
        await deps.honourGpc(request);
        return { subjectId: request.params.subjectId, purpose: purpose.id, granted: false };
      }
      const granted = await deps.check(request.params.subjectId, request.params.purpose);
      return { subjectId: request.params.subjectId, purpose: request.params.purpose, granted };
    },
  );
}
