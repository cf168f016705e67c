import type { KeyObject } from 'node:crypto';

import { serviceFetch, signToken, type ServiceFetch } from '@lethe/service-kit';

// The portal reaches the other services' APIs as they are published, with tokens it signs
// itself: `service` for what is not one subject's (finding an account by address, the
// participants, the purposes), and a short `subject` token for the signed-in subject's own data,
// so the services themselves keep one subject from another's.

export interface Profile {
  readonly subjectId: string;
  readonly status: string;
  readonly email: string;
  readonly name: string;
  readonly phone: string | null;
  readonly timezone: string | null;
  readonly lastActiveDay: string;
  readonly deletionRequestId: string | null;
}

export interface Participant {
  readonly participantId: string;
  readonly stores: readonly string[];
  readonly categories: readonly string[];
}

export interface Purpose {
  readonly id: string;
  readonly description: string;
  readonly saleOrSharing: boolean;
  readonly marketingContact: string | null;
}

export interface ConsentDecision {
  readonly purpose: string;
  readonly granted: boolean;
  readonly source: string;
  readonly policyVersion: string;
  readonly textHash: string;
  readonly gpc: boolean;
  readonly at: string;
}

export interface Consents {
  readonly consents: Readonly<Record<string, ConsentDecision>>;
  readonly history: readonly ConsentDecision[];
}

export interface ErasureTaskView {
  readonly participantId: string;
  readonly status: string;
  readonly outcome: string | null;
  readonly verifiedEmpty: boolean | null;
}

export interface ErasureOutcome {
  readonly participantId: string;
  readonly outcome: string;
  readonly verifiedEmpty: boolean;
  readonly evidenceDigest: string;
}

export interface ErasureView {
  readonly requestId: string;
  readonly status: 'in-progress' | 'completed';
  readonly dueAt: string;
  readonly blockedByLegalObligation?: boolean;
  readonly tasks?: readonly ErasureTaskView[];
  readonly result?: 'complete' | 'partial';
  readonly outcomes?: readonly ErasureOutcome[];
  readonly certificate?: { readonly json: string; readonly digest: string };
}

/** An access request (a copy of the subject's data) as the erasure service shows it. */
export interface ExportView {
  readonly requestId: string;
  readonly status: 'in-progress' | 'ready' | 'deleted';
  readonly requestedAt: string;
  readonly expiresAt: string | null;
  readonly packageDigest: string | null;
  readonly participants: readonly { participantId: string; outcome: string | null; records: number }[];
  readonly deletedBecause: string | null;
}

/** The other services did not answer as they should: a 502 page, never their body. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly service: string,
    readonly status: number,
  ) {
    super(`the ${service} service answered ${status}`);
  }
}

export interface LetheApiSettings {
  readonly accountUrl: string;
  readonly consentUrl: string;
  readonly erasureUrl: string;
  /** The audit service: the subject's own erasure receipts. */
  readonly auditUrl: string;
  readonly signingKey: KeyObject;
  readonly issuer: string;
  readonly caFile: string | undefined;
  readonly now?: () => number;
}

export interface LetheApi {
  findAccount(email: string): Promise<string | undefined>;
  profile(subjectId: string): Promise<Profile | undefined>;
  participants(): Promise<readonly Participant[]>;
  purposes(): Promise<{ policyVersion: string; purposes: readonly Purpose[] }>;
  consents(subjectId: string, gpc: boolean): Promise<Consents>;
  decide(
    subjectId: string,
    purpose: string,
    choice: { granted: boolean; policyVersion: string; textHash: string },
    gpc: boolean,
  ): Promise<void>;
  deleteAccount(subjectId: string): Promise<string>;
  /** Records that the user was active (keeping an account the inactivity clock would erase). */
  recordActivity(subjectId: string): Promise<void>;
  /** The subject's own request; undefined when it is not (yet) known as the subject's. */
  erasureRequest(subjectId: string, requestId: string): Promise<ErasureView | undefined>;
  /** Asks for a copy of the subject's data (an access request). */
  requestExport(subjectId: string): Promise<ExportView>;
  /** The subject's access requests, newest first. */
  exports(subjectId: string): Promise<readonly ExportView[]>;
  exportRequest(subjectId: string, requestId: string): Promise<ExportView | undefined>;
  /** The package's JSON, exactly as the erasure service gave it; undefined once it is gone. */
  exportPackage(subjectId: string, requestId: string): Promise<string | undefined>;
  /**
   * The receipt of the subject's own completed erasure, as the audit service gave it; undefined
   * until a signed tree head covers the completion (seconds), or when it is not the subject's.
   */
  erasureReceipt(subjectId: string, requestId: string): Promise<string | undefined>;
}

const TOKEN_SECONDS = 300;

export function letheApi(settings: LetheApiSettings): LetheApi {
  const fetch: ServiceFetch = serviceFetch(settings.caFile);
  const now = settings.now ?? Date.now;
  const tokenFor = (subjectId?: string) => {
    const iat = Math.floor(now() / 1000);
    return signToken(settings.signingKey, {
      sub: subjectId ? `portal:${subjectId}` : 'portal',
      scope: subjectId ? ['subject'] : ['service'],
      ...(subjectId ? { subjectId } : {}),
      iss: settings.issuer,
      aud: ['account', 'consent', 'erasure', 'audit'],
      iat,
      exp: iat + TOKEN_SECONDS,
    });
  };
  async function callText(
    service: string,
    url: string,
    options: { method?: string; body?: unknown; subjectId?: string; gpc?: boolean; accept?: number[] } = {},
  ): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { authorization: `Bearer ${tokenFor(options.subjectId)}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.gpc) headers['sec-gpc'] = '1';
    const answer = await fetch(url, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const ok = answer.ok || (options.accept ?? []).includes(answer.status);
    if (!ok) throw new UpstreamError(service, answer.status);
    return { status: answer.status, text: await answer.text() };
  }
  async function call(
    service: string,
    url: string,
    options: Parameters<typeof callText>[2] = {},
  ): Promise<{ status: number; body: unknown }> {
    const { status, text } = await callText(service, url, options);
    return { status, body: text ? (JSON.parse(text) as unknown) : null };
  }
  const { accountUrl, consentUrl, erasureUrl, auditUrl } = settings;
  return {
    async findAccount(email) {
      const found = await call('account', `${accountUrl}/v1/account-lookups`, {
        method: 'POST',
        body: { email },
        accept: [404],
      });
      return found.status === 404 ? undefined : (found.body as { subjectId: string }).subjectId;
    },
    async profile(subjectId) {
      const found = await call('account', `${accountUrl}/v1/accounts/${encodeURIComponent(subjectId)}`, {
        subjectId,
        accept: [404],
      });
      return found.status === 404 ? undefined : (found.body as Profile);
    },
    async participants() {
      return (
        (await call('erasure', `${erasureUrl}/v1/participants`)).body as { participants: Participant[] }
      ).participants;
    },
    async purposes() {
      return (await call('consent', `${consentUrl}/v1/purposes`)).body as {
        policyVersion: string;
        purposes: Purpose[];
      };
    },
    async consents(subjectId, gpc) {
      const url = `${consentUrl}/v1/subjects/${encodeURIComponent(subjectId)}/consents`;
      return (await call('consent', url, { subjectId, gpc })).body as Consents;
    },
    async decide(subjectId, purpose, choice, gpc) {
      const url = `${consentUrl}/v1/subjects/${encodeURIComponent(subjectId)}/consents/${encodeURIComponent(purpose)}`;
      await call('consent', url, {
        method: 'PUT',
        subjectId,
        gpc,
        body: { ...choice, source: 'privacy-dashboard' },
      });
    },
    async deleteAccount(subjectId) {
      const url = `${accountUrl}/v1/accounts/${encodeURIComponent(subjectId)}`;
      return ((await call('account', url, { method: 'DELETE', subjectId })).body as { requestId: string })
        .requestId;
    },
    async recordActivity(subjectId) {
      const url = `${accountUrl}/v1/accounts/${encodeURIComponent(subjectId)}/activity`;
      await call('account', url, { method: 'POST', subjectId });
    },
    async erasureRequest(subjectId, requestId) {
      const url = `${erasureUrl}/v1/erasure-requests/${encodeURIComponent(requestId)}`;
      // 503: the erasure service has not read the request off the log yet; shown as received.
      const found = await call('erasure', url, { subjectId, accept: [404, 503] });
      return found.status === 200 ? (found.body as ErasureView) : undefined;
    },
    async requestExport(subjectId) {
      const url = `${erasureUrl}/v1/subjects/${encodeURIComponent(subjectId)}/access-requests`;
      return (await call('erasure', url, { method: 'POST', subjectId })).body as ExportView;
    },
    async exports(subjectId) {
      const url = `${erasureUrl}/v1/subjects/${encodeURIComponent(subjectId)}/access-requests`;
      return ((await call('erasure', url, { subjectId })).body as { requests: ExportView[] }).requests;
    },
    async exportRequest(subjectId, requestId) {
      const url = `${erasureUrl}/v1/subjects/${encodeURIComponent(subjectId)}/access-requests/${encodeURIComponent(requestId)}`;
      const found = await call('erasure', url, { subjectId, accept: [404] });
      return found.status === 200 ? (found.body as ExportView) : undefined;
    },
    async exportPackage(subjectId, requestId) {
      const url = `${erasureUrl}/v1/subjects/${encodeURIComponent(subjectId)}/access-requests/${encodeURIComponent(requestId)}/package`;
      const found = await callText('erasure', url, { subjectId, accept: [404, 409] });
      return found.status === 200 ? found.text : undefined;
    },
    async erasureReceipt(subjectId, requestId) {
      const url = `${auditUrl}/v1/erasure-requests/${encodeURIComponent(requestId)}/receipt`;
      const found = await callText('audit', url, { subjectId, accept: [404] });
      return found.status === 200 ? found.text : undefined;
    },
  };
}
