import type { ExportView } from '../api/lethe-api';
import { html, type SafeHtml } from './html';
import { page } from './layout';
import { noticeBox, when } from './parts';

// Download my data (the right of access and portability): ask for a copy, follow it, download
// it as JSON (for another service) or read it as a page (for a person). Both are made from the
// one package the erasure service keeps, for 7 days, under the subject's own key.

const STATUS_WORDS: Record<ExportView['status'], string> = {
  'in-progress': 'being prepared',
  ready: 'ready to download',
  deleted: 'deleted',
};
const DELETED_WORDS: Record<string, string> = {
  expired: 'its 7 days ended, so it was deleted',
  'subject-erased': 'deleted with your account',
};
const ANSWER_WORDS: Record<string, string> = {
  exported: 'copied',
  failed: 'could not copy; our team is told',
  'no-answer': 'did not answer in time; our team is told',
};

export function exportsPage(csrf: string, requests: readonly ExportView[], notice?: string): string {
  return page(
    { title: 'Download my data', csrf, current: '/exports' },
    html`${noticeBox(notice)}
      <p>
        Get a copy of the personal data every one of our systems holds about you: your account, your consent
        choices, what was sent to LLM providers, and your usage data. It is prepared in a minute or two; we
        mail you when it is ready. You can then download it for 7 days, after which it is deleted.
      </p>
      <form method="post" action="/exports" class="stack">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <button type="submit">Prepare a copy of my data</button>
      </form>
      ${
        requests.length > 0
          ? html`<section aria-labelledby="copies-heading">
              <h2 id="copies-heading">Your copies</h2>
              <ul class="outcomes">
                ${requests.map(
                  (r) =>
                    html`<li>
                      <a href="/exports/${r.requestId}">Asked for ${when(r.requestedAt)}</a>:
                      ${STATUS_WORDS[r.status]}
                    </li>`,
                )}
              </ul>
            </section>`
          : ''
      }`,
  );
}

/** The part of the request's page that changes: the script reloads it while the copy is prepared. */
export function exportProgress(view: ExportView): SafeHtml {
  if (view.status === 'ready')
    return html`<p><strong>Your copy is ready</strong>. You can download it until ${when(view.expiresAt)}.</p>
      <ul class="outcomes">
        ${view.participants.map(
          (p) =>
            html`<li>
              <span class="system">${p.participantId}</span>: ${ANSWER_WORDS[p.outcome ?? ''] ?? p.outcome}
              ${p.outcome === 'exported' ? html`(${p.records} ${p.records === 1 ? 'record' : 'records'})` : ''}
            </li>`,
        )}
      </ul>
      <p>
        <a href="/exports/${view.requestId}/my-data.json" download>Download it (JSON)</a> ·
        <a href="/exports/${view.requestId}/my-data.html">Read it as a page</a>
      </p>
      <p>Digest (SHA-256 of the JSON): <code class="digest">${view.packageDigest ?? ''}</code></p>`;
  if (view.status === 'deleted')
    return html`<p>
      This copy is no longer kept: ${DELETED_WORDS[view.deletedBecause ?? ''] ?? 'deleted'}.
    </p>`;
  return html`<p>Your copy is being prepared. This page updates by itself.</p>
    <ul class="outcomes">
      ${view.participants.map(
        (p) =>
          html`<li>
            <span class="system">${p.participantId}</span>:
            ${p.outcome ? (ANSWER_WORDS[p.outcome] ?? p.outcome) : 'in progress'}
          </li>`,
      )}
    </ul>`;
}

export function exportRequestPage(csrf: string, view: ExportView): string {
  return page(
    { title: 'Your copy of your data', csrf, current: '/exports' },
    html`<p>Asked for ${when(view.requestedAt)}.</p>
      <div id="progress" aria-live="polite" data-state="${view.status}">${exportProgress(view)}</div>
      <p><a href="/exports">All your copies</a></p>`,
  );
}

interface PackageView {
  readonly requestId: string;
  readonly generatedAt: string;
  readonly expiresAt: string;
  readonly participants: readonly {
    readonly participantId: string;
    readonly stores: readonly string[];
    readonly categories: readonly string[];
    readonly outcome: string;
    readonly records: Readonly<Record<string, readonly unknown[]>>;
  }[];
}

/** A field's value as text: JSON for anything that is not a plain string, number or boolean. */
const shown = (value: unknown): string => {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
};

/** One record as a list of its fields, whatever its shape. */
function recordList(record: unknown): SafeHtml {
  if (record === null || typeof record !== 'object') return html`<p>${shown(record)}</p>`;
  return html`<dl class="facts record">
    ${Object.entries(record as Record<string, unknown>).map(
      ([field, value]) =>
        html`<dt>${field}</dt>
          <dd>${shown(value)}</dd>`,
    )}
  </dl>`;
}

/** The package for a person to read: every system, every store, every record, escaped. */
export function packagePage(csrf: string, json: string): string {
  const pkg = JSON.parse(json) as PackageView;
  return page(
    { title: 'A copy of your data', csrf, current: '/exports' },
    html`<p>
        Prepared ${when(pkg.generatedAt)} (request <code>${pkg.requestId}</code>); kept until
        ${when(pkg.expiresAt)}.
      </p>
      ${pkg.participants.map(
        (p) =>
          html`<section aria-labelledby="system-${p.participantId}">
            <h2 id="system-${p.participantId}">${p.participantId}</h2>
            <p>
              Holds: ${p.categories.join(', ')}.
              ${p.outcome === 'exported' ? '' : `(${ANSWER_WORDS[p.outcome] ?? p.outcome})`}
            </p>
            ${Object.entries(p.records).map(
              ([store, records]) =>
                html`<h3>${store}</h3>
                  ${records.length === 0 ? html`<p>Nothing.</p>` : records.map(recordList)}`,
            )}
          </section>`,
      )}`,
  );
}
