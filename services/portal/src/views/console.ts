import type { ErasureView, Participant } from '../api/lethe-api';
import type { CompletedRequest, Hold, OpenRequest, TimelineStep } from '../api/operator-api';
import type { TaskQueues } from '../api/service-metrics';
import { html, type SafeHtml } from './html';
import { page } from './layout';
import { noticeBox, problemBox, when } from './parts';

// The operator console's pages. Operators see subject ids and hold details (their scope allows
// it); never a subject's profile.

export const CONSOLE_FILTERS = ['all', 'blocked', 'at-risk', 'overdue', 'completed', 'partial'] as const;
export type ConsoleFilter = (typeof CONSOLE_FILTERS)[number];

const FILTER_WORDS: Record<ConsoleFilter, string> = {
  all: 'every open request',
  blocked: 'blocked',
  'at-risk': 'at risk',
  overdue: 'overdue',
  completed: 'completed (the latest)',
  partial: 'completed as partial',
};

const consolePage = (title: string, csrf: string, current: string, body: SafeHtml) =>
  page({ title, csrf, current, area: 'console' }, body);

export function consoleSignInPage(formToken: string, message?: string, withProvider = false): string {
  return page(
    { title: 'Operator sign-in', area: 'console' },
    html`${problemBox(message)}
      ${
        withProvider
          ? html`<p><a class="button" href="/console/oidc/start">Sign in with your identity provider</a></p>
              <h2>Or with an operator token</h2>`
          : ''
      }
      <p>
        Sign in with an operator token: locally
        <code>./lethe token --scope operator --name you@example.com</code>.
      </p>
      <form method="post" action="/console/sign-in" class="stack">
        <input type="hidden" name="_csrf" value="${formToken}" />
        <label for="token">Operator token</label>
        <input id="token" name="token" type="password" autocomplete="off" required maxlength="4096" />
        <button type="submit">Sign in</button>
      </form>`,
  );
}

/**
 * After the provider's redirect: a page of this site's own moves on to the console, so the
 * browser sends the console's SameSite=Strict cookie (a redirect from another site would not).
 */
export function consoleSignedInPage(): string {
  return page(
    { title: 'Signed in', area: 'console', refreshTo: '/console' },
    html`<p>You are signed in. <a href="/console">Go on to the console</a>.</p>`,
  );
}

function stateOf(request: OpenRequest | CompletedRequest): string {
  if ('completedAt' in request)
    return `completed (${request.result})${request.late ? ', after its deadline' : ''}`;
  if (request.blocked) return 'blocked by a legal hold';
  if (request.overdue) return 'overdue';
  if (request.atRisk) return 'at risk';
  return 'open';
}

export function requestsPage(
  csrf: string,
  filter: ConsoleFilter,
  requests: readonly (OpenRequest | CompletedRequest)[],
  message?: string,
): string {
  const completed = filter === 'completed' || filter === 'partial';
  return consolePage(
    'Erasure requests',
    csrf,
    '/console',
    html`${problemBox(message)}
      <form method="get" action="/console/requests" class="inline">
        <label for="find">Find a request by id</label>
        <input id="find" name="id" type="text" required maxlength="64" pattern="[A-Za-z0-9_\\-]+" />
        <button type="submit">Open</button>
      </form>
      <form method="get" action="/console" class="inline">
        <label for="state">Show</label>
        <select id="state" name="state">
          ${CONSOLE_FILTERS.map(
            (f) =>
              html`<option value="${f}" ${f === filter ? html`selected` : ''}>${FILTER_WORDS[f]}</option>`,
          )}
        </select>
        <button type="submit">Filter</button>
      </form>
      <h2 id="open-heading">
        ${requests.length} ${filter === 'all' ? 'open' : FILTER_WORDS[filter]}
        ${requests.length === 1 ? 'request' : 'requests'}
      </h2>
      <div class="scroll" tabindex="0" role="region" aria-labelledby="open-heading">
        <table>
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col">Subject</th>
              <th scope="col">State</th>
              <th scope="col">Reason</th>
              <th scope="col">Requested</th>
              <th scope="col">Due</th>
              ${completed ? html`<th scope="col">Completed</th>` : ''}
            </tr>
          </thead>
          <tbody>
            ${requests.map(
              (r) =>
                html`<tr data-request="${r.requestId}">
                  <th scope="row"><a href="/console/requests/${r.requestId}">${r.requestId}</a></th>
                  <td><code>${r.subjectId}</code></td>
                  <td>${stateOf(r)}</td>
                  <td>${r.reason}${r.regulation ? html` (${r.regulation})` : ''}</td>
                  <td>${when(r.requestedAt)}</td>
                  <td>${when(r.dueAt)}</td>
                  ${'completedAt' in r ? html`<td>${when(r.completedAt)}</td>` : ''}
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p>
        Every request, completed or not, is found by id (above), and proven by
        <code>./lethe audit verify</code>.
      </p>`,
  );
}

export function requestDetailPage(
  csrf: string,
  view: ErasureView & Record<string, unknown>,
  timeline: readonly TimelineStep[],
  messages: { notice?: string; problem?: string } = {},
): string {
  const holds = Array.isArray(view.blockedByHolds) ? (view.blockedByHolds as string[]) : [];
  const open = view.status === 'in-progress';
  return consolePage(
    `Request ${view.requestId}`,
    csrf,
    '/console',
    html`${noticeBox(messages.notice)}${problemBox(messages.problem)}
      <dl class="facts">
        <dt>Subject</dt>
        <dd><code>${String(view.subjectId)}</code></dd>
        <dt>Status</dt>
        <dd data-status>
          ${view.status === 'completed' ? `completed (${view.result})` : view.blockedByLegalObligation ? 'blocked by a legal hold' : 'in progress'}
        </dd>
        ${
          holds.length > 0
            ? html`<dt>Holds</dt>
                <dd>
                  ${holds.join(', ')} (<a href="/console/holds?subjectId=${String(view.subjectId)}">manage</a
                  >)
                </dd>`
            : ''
        }
        <dt>Due</dt>
        <dd>${when(view.dueAt)}</dd>
        ${
          view.certificate
            ? html`<dt>Certificate digest</dt>
                <dd><code>${view.certificate.digest}</code></dd>`
            : ''
        }
      </dl>
      ${
        open
          ? html`<h2 id="tasks-heading">Participants</h2>
              <div class="scroll" tabindex="0" role="region" aria-labelledby="tasks-heading">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Participant</th>
                      <th scope="col">Status</th>
                      <th scope="col">Outcome</th>
                      <th scope="col">Action</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${(view.tasks ?? []).map(
                      (t) =>
                        html`<tr data-task="${t.participantId}">
                          <th scope="row">${t.participantId}</th>
                          <td>${t.status}</td>
                          <td>${t.outcome ?? ''}</td>
                          <td>
                            ${
                              t.status === 'backoff' || t.status === 'failed'
                                ? html`<form
                                    method="post"
                                    action="/console/requests/${view.requestId}/retries"
                                  >
                                    <input type="hidden" name="_csrf" value="${csrf}" />
                                    <input type="hidden" name="participantId" value="${t.participantId}" />
                                    <button type="submit" aria-label="Retry ${t.participantId} now">
                                      Retry now
                                    </button>
                                  </form>`
                                : ''
                            }
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
              <h2>Extend the deadline</h2>
              <form method="post" action="/console/requests/${view.requestId}/extensions" class="stack">
                <input type="hidden" name="_csrf" value="${csrf}" />
                <label for="dueAt">New deadline (UTC)</label>
                <input id="dueAt" name="dueAt" type="datetime-local" required />
                <label for="reason">Reason</label>
                <select id="reason" name="reason">
                  <option value="complexity">the request is complex</option>
                  <option value="number-of-requests">the number of requests</option>
                </select>
                <button type="submit">Extend</button>
              </form>`
          : ''
      }
      ${
        view.status === 'completed' && view.result === 'partial'
          ? html`<h2>Erase again</h2>
              <p>
                Some participants could not confirm. A new request for this subject gives each of them another
                go (the others answer that they hold nothing), with a certificate of its own.
              </p>
              <form method="post" action="/console/requests/${view.requestId}/again" class="stack">
                <input type="hidden" name="_csrf" value="${csrf}" />
                <button type="submit">Request the erasure again</button>
              </form>`
          : ''
      }
      <h2 id="timeline-heading">Timeline (from the audit ledger)</h2>
      ${
        timeline.length === 0
          ? html`<p>Not in the ledger yet.</p>`
          : html`<ol class="timeline" aria-labelledby="timeline-heading">
              ${timeline.map(
                (step) =>
                  html`<li>
                    <span class="system">${step.type}</span> · ${when(step.occurredAt)} · entry
                    ${step.seq}${step.summary ? html` · ${step.summary}` : ''}
                  </li>`,
              )}
            </ol>`
      }`,
  );
}

export function holdsPage(
  csrf: string,
  subjectId: string | undefined,
  holds: readonly Hold[],
  messages: { notice?: string; problem?: string } = {},
): string {
  return consolePage(
    'Legal holds',
    csrf,
    '/console/holds',
    html`${noticeBox(messages.notice)}${problemBox(messages.problem)}
      <h2>Place a hold</h2>
      <p>
        While a hold stands, the subject is not erased: a deletion waits, blocked, and resumes when the last
        hold is released.
      </p>
      <form method="post" action="/console/holds" class="stack">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label for="hold-subject">Subject id</label>
        <input
          id="hold-subject"
          name="subjectId"
          type="text"
          required
          maxlength="64"
          pattern="[A-Za-z0-9_\\-]+"
          value="${subjectId ?? ''}"
        />
        <label for="hold-reference">Reference (case or matter)</label>
        <input id="hold-reference" name="reference" type="text" required maxlength="200" />
        <label for="hold-reason">Reason</label>
        <input id="hold-reason" name="reason" type="text" required maxlength="500" />
        <button type="submit">Place the hold</button>
      </form>
      <h2>A subject's holds</h2>
      <form method="get" action="/console/holds" class="inline">
        <label for="find-subject">Subject id</label>
        <input
          id="find-subject"
          name="subjectId"
          type="text"
          required
          maxlength="64"
          value="${subjectId ?? ''}"
        />
        <button type="submit">Show</button>
      </form>
      ${
        subjectId
          ? holds.length === 0
            ? html`<p>No hold stands for <code>${subjectId}</code>.</p>`
            : html`<ul class="holds">
                ${holds.map(
                  (hold) =>
                    html`<li>
                      <strong>${hold.holdId}</strong>: ${hold.reference ?? ''} — ${hold.reason ?? ''}, placed
                      ${when(hold.placedAt)}${hold.placedBy ? html` by ${hold.placedBy}` : ''}
                      <form method="post" action="/console/holds/${hold.holdId}/release" class="inline">
                        <input type="hidden" name="_csrf" value="${csrf}" />
                        <input type="hidden" name="subjectId" value="${subjectId}" />
                        <button type="submit">
                          Release<span class="visually-hidden"> hold ${hold.holdId}</span>
                        </button>
                      </form>
                    </li>`,
                )}
              </ul>`
          : ''
      }`,
  );
}

export function participantsPage(
  csrf: string,
  participants: readonly (Participant & { phase: number; timeoutMs: number })[],
  queues: TaskQueues,
): string {
  return consolePage(
    'Participants',
    csrf,
    '/console/participants',
    html`<p>
        Every registered erasure participant, from its latest registration, with the tasks waiting on its
        topic (from the services' <code>/metrics</code>; a participant run outside Lethe's services reports
        its own).
      </p>
      ${
        queues.unreachable.length > 0
          ? html`<div class="problem" role="alert">
              <p>No metrics from: ${queues.unreachable.join(', ')}.</p>
            </div>`
          : ''
      }
      <div class="scroll" tabindex="0" role="region" aria-label="Participants">
        <table>
          <thead>
            <tr>
              <th scope="col">Participant</th>
              <th scope="col">Tasks waiting</th>
              <th scope="col">Phase</th>
              <th scope="col">Timeout</th>
              <th scope="col">Categories</th>
              <th scope="col">Stores</th>
            </tr>
          </thead>
          <tbody>
            ${participants.map(
              (p) =>
                html`<tr data-participant="${p.participantId}">
                  <th scope="row">${p.participantId}</th>
                  <td data-lag>${queues.lag.get(p.participantId) ?? 'not measured here'}</td>
                  <td>${p.phase}</td>
                  <td>${p.timeoutMs / 1000} s</td>
                  <td>${p.categories.join(', ')}</td>
                  <td>${p.stores.join(', ')}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <h2 id="dlq-heading">Dead letters</h2>
      <p>
        Records no consumer could process wait here for <code>lethe dlq replay</code> or
        <code>lethe dlq purge</code>.
      </p>
      <div class="scroll" tabindex="0" role="region" aria-labelledby="dlq-heading">
        <table>
          <thead>
            <tr>
              <th scope="col">Dead-letter topic</th>
              <th scope="col">Records waiting</th>
            </tr>
          </thead>
          <tbody>
            ${queues.deadLetters.map(
              (d) =>
                html`<tr data-dlq="${d.topic}">
                  <th scope="row">${d.topic}</th>
                  <td>${d.records}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`,
  );
}
