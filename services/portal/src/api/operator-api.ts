import { serviceFetch } from '@lethe/service-kit';

import type { ErasureView, Participant } from './lethe-api';

// The operator console calls the services with the operator's own token, not the portal's: the
// services check the operator scope themselves, and every action is theirs in the audit trail
// (a hold's `placedBy`, an extension's `extendedBy`, the access log's caller).

export interface OpenRequest {
  readonly requestId: string;
  readonly subjectId: string;
  readonly reason: string;
  readonly regulation: string | null;
  readonly requestedAt: string;
  readonly dueAt: string;
  readonly blocked: boolean;
  readonly atRisk: boolean;
  readonly overdue: boolean;
}

export interface CompletedRequest {
  readonly requestId: string;
  readonly subjectId: string;
  readonly reason: string;
  readonly regulation: string | null;
  readonly requestedAt: string;
  readonly dueAt: string;
  readonly completedAt: string;
  readonly result: 'complete' | 'partial';
  readonly late: boolean;
}

export interface TimelineStep {
  readonly seq: number;
  readonly type: string;
  readonly occurredAt: string;
  readonly summary: string;
}

export interface Hold {
  readonly holdId: string;
  readonly reference?: string;
  readonly reason?: string;
  readonly placedBy?: string;
  readonly placedAt: string | null;
  readonly until: string | null;
}

/** A service refused the operator's action: its problem's detail is shown to the operator. */
export class OperatorActionRefused extends Error {
  override readonly name = 'OperatorActionRefused';
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface OperatorApiSettings {
  readonly erasureUrl: string;
  readonly retentionUrl: string;
  readonly auditUrl: string;
  readonly caFile: string | undefined;
}

export interface OperatorApi {
  openRequests(token: string): Promise<readonly OpenRequest[]>;
  completedRequests(token: string): Promise<readonly CompletedRequest[]>;
  /** Issues a participant's failed or backing-off task again now. */
  retryTask(token: string, requestId: string, participantId: string): Promise<void>;
  /** A new erasure request for a subject (after a partial one: the participants that failed get another go). */
  requestErasure(
    token: string,
    subjectId: string,
    reason: string,
    regulation: string | null,
  ): Promise<string>;
  request(token: string, requestId: string): Promise<(ErasureView & Record<string, unknown>) | undefined>;
  timeline(token: string, requestId: string): Promise<readonly TimelineStep[]>;
  extendDeadline(
    token: string,
    requestId: string,
    extension: { dueAt: string; reason: string },
  ): Promise<void>;
  placeHold(token: string, hold: { subjectId: string; reference: string; reason: string }): Promise<string>;
  releaseHold(token: string, holdId: string): Promise<void>;
  holdsOf(token: string, subjectId: string): Promise<readonly Hold[]>;
  participants(token: string): Promise<readonly (Participant & { phase: number; timeoutMs: number })[]>;
}

export function operatorApi(settings: OperatorApiSettings): OperatorApi {
  const fetch = serviceFetch(settings.caFile);
  async function call(
    token: string,
    url: string,
    options: { method?: string; body?: unknown; absent?: number[] } = {},
  ): Promise<unknown> {
    const answer = await fetch(url, {
      method: options.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    if ((options.absent ?? []).includes(answer.status)) return undefined;
    const text = await answer.text();
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    if (!answer.ok)
      throw new OperatorActionRefused(
        answer.status,
        typeof body?.detail === 'string' ? body.detail : `the service answered ${answer.status}`,
      );
    return body;
  }
  const { erasureUrl, retentionUrl, auditUrl } = settings;
  const id = encodeURIComponent;
  return {
    async openRequests(token) {
      return ((await call(token, `${erasureUrl}/v1/erasure-requests`)) as { requests: OpenRequest[] })
        .requests;
    },
    async completedRequests(token) {
      const url = `${erasureUrl}/v1/erasure-requests?state=completed&limit=200`;
      return ((await call(token, url)) as { requests: CompletedRequest[] }).requests;
    },
    async retryTask(token, requestId, participantId) {
      await call(token, `${erasureUrl}/v1/erasure-requests/${id(requestId)}/retries`, {
        method: 'POST',
        body: { participantId },
      });
    },
    async requestErasure(token, subjectId, reason, regulation) {
      return (
        (await call(token, `${erasureUrl}/v1/erasure-requests`, {
          method: 'POST',
          body: { subjectId, reason, ...(regulation ? { regulation } : {}) },
        })) as { requestId: string }
      ).requestId;
    },
    async request(token, requestId) {
      // 503: a request just made that the erasure service has not read yet; absent for now.
      return (await call(token, `${erasureUrl}/v1/erasure-requests/${id(requestId)}`, {
        absent: [404, 503],
      })) as (ErasureView & Record<string, unknown>) | undefined;
    },
    async timeline(token, requestId) {
      const found = (await call(token, `${auditUrl}/v1/erasure-requests/${id(requestId)}/timeline`, {
        absent: [404],
      })) as { events: TimelineStep[] } | undefined;
      return found?.events ?? [];
    },
    async extendDeadline(token, requestId, extension) {
      await call(token, `${erasureUrl}/v1/erasure-requests/${id(requestId)}/deadline-extensions`, {
        method: 'POST',
        body: extension,
      });
    },
    async placeHold(token, hold) {
      return (
        (await call(token, `${retentionUrl}/v1/legal-holds`, { method: 'POST', body: hold })) as {
          holdId: string;
        }
      ).holdId;
    },
    async releaseHold(token, holdId) {
      await call(token, `${retentionUrl}/v1/legal-holds/${id(holdId)}`, { method: 'DELETE' });
    },
    async holdsOf(token, subjectId) {
      const found = (await call(token, `${retentionUrl}/v1/subjects/${id(subjectId)}/retention`, {
        absent: [404],
      })) as { holds: Hold[] } | undefined;
      return found?.holds ?? [];
    },
    async participants(token) {
      return (
        (await call(token, `${erasureUrl}/v1/participants`)) as {
          participants: (Participant & { phase: number; timeoutMs: number })[];
        }
      ).participants;
    },
  };
}
