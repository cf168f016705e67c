import type { ErasureView } from '../api/lethe-api';
import { html } from './html';
import { page } from './layout';
import { when } from './parts';

export function deletePage(csrf: string, openRequestId: string | null): string {
  return page(
    { title: 'Delete my account', csrf, current: '/delete' },
    html`${
        openRequestId
          ? html`<div class="notice" role="status">
              <p>Your deletion is under way. <a href="/requests/${openRequestId}">Follow it here</a>.</p>
            </div>`
          : ''
      }
      <section aria-labelledby="erased-heading">
        <h2 id="erased-heading">What is erased</h2>
        <ul>
          <li>Your account: email address, name, phone number and time zone.</li>
          <li>What you created: events, notes and uploaded files, in every database and cache.</li>
          <li>The encryption key of your data: copies in our event log and backups can no longer be read.</li>
          <li>Your marketing contact details.</li>
        </ul>
      </section>
      <section aria-labelledby="kept-heading">
        <h2 id="kept-heading">What is kept, and why</h2>
        <ul>
          <li>
            <strong>Data we must keep by law</strong> (for example invoices) stays until that obligation ends.
            If a legal obligation applies to your account now, the deletion waits for it and this page says
            so.
          </li>
          <li>
            <strong>Proof of your consent choices</strong>: the record that you allowed or withdrew each use,
            so we can show we respected it. It no longer holds your contact details.
          </li>
          <li>
            <strong>LLM providers</strong> (OpenAI, Anthropic) keep what was sent to them for up to 30 days,
            then delete it. Your certificate states the date.
          </li>
          <li><strong>Anonymous data</strong>: usage statistics with nothing left that links them to you.</li>
        </ul>
      </section>
      <form method="post" action="/delete" class="stack danger">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <div class="check">
          <input id="confirm" name="confirm" type="checkbox" value="yes" required />
          <label for="confirm"
            >I understand that my account and data are deleted for good, and this cannot be undone.</label
          >
        </div>
        <button type="submit" class="danger">Delete my account</button>
      </form>`,
  );
}

const TASK_WORDS: Record<string, string> = {
  waiting: 'waiting for its turn',
  issued: 'in progress',
  backoff: 'retrying',
  done: 'done',
  failed: 'could not confirm; our team is told',
};
const OUTCOME_WORDS: Record<string, string> = {
  erased: 'erased and checked',
  'not-found': 'held nothing',
  anonymised: 'made anonymous',
  'retained-legal': 'kept by law',
  'retained-consent': 'kept with your consent',
  'provider-retention': 'deleted by the provider within 30 days',
};

/** The part of the status page that changes: the script reloads it while the request runs. */
export function progressSection(view: ErasureView | undefined): ReturnType<typeof html> {
  if (!view)
    return html`<p>
      Your request has been received. Every system is being told; this page updates by itself.
    </p>`;
  if (view.status === 'completed') {
    return html`<p>
        <strong>Your deletion is complete</strong
        >${view.result === 'partial' ? ' (some systems could not confirm; see below)' : ''}.
      </p>
      <ul class="outcomes">
        ${(view.outcomes ?? []).map(
          (o) =>
            html`<li>
              <span class="system">${o.participantId}</span>: ${OUTCOME_WORDS[o.outcome] ?? o.outcome}
            </li>`,
        )}
      </ul>
      <p>Certificate digest: <code class="digest">${view.certificate?.digest ?? ''}</code></p>
      <p>
        <a href="/requests/${view.requestId}/certificate">View the certificate</a> ·
        <a href="/requests/${view.requestId}/certificate.json" download>Download it (JSON)</a> ·
        <a href="/requests/${view.requestId}/receipt.json" download>Download the receipt (JSON)</a>
      </p>
      <p>
        The receipt proves your deletion is in our signed audit log: anyone with our audit public key can
        check it, without access to our systems.
      </p>`;
  }
  return html`${
      view.blockedByLegalObligation
        ? html`<div class="notice">
            <p>
              <strong>Your deletion is waiting for a legal obligation to end.</strong> We must keep some of
              your data by law for now; the deletion continues by itself when it ends.
            </p>
          </div>`
        : html`<p>Your deletion is in progress.</p>`
    }
    <ul class="outcomes">
      ${(view.tasks ?? []).map(
        (t) =>
          html`<li>
            <span class="system">${t.participantId}</span>:
            ${t.outcome ? (OUTCOME_WORDS[t.outcome] ?? t.outcome) : (TASK_WORDS[t.status] ?? t.status)}
          </li>`,
      )}
    </ul>`;
}

export function requestPage(
  csrf: string | undefined,
  requestId: string,
  view: ErasureView | undefined,
): string {
  const state = view?.status === 'completed' ? 'completed' : 'in-progress';
  return page(
    { title: 'Your deletion request', ...(csrf ? { csrf } : {}) },
    html`<p>Request <code>${requestId}</code>${view ? html`, due by ${when(view.dueAt)}` : ''}.</p>
      <div id="progress" aria-live="polite" data-state="${state}">${progressSection(view)}</div>`,
  );
}

export function certificatePage(
  csrf: string | undefined,
  view: ErasureView & { certificate: { json: string; digest: string } },
): string {
  const certificate = JSON.parse(view.certificate.json) as {
    requestedAt: string;
    completedAt: string;
    result: string;
    outcomes: { participantId: string; outcome: string; verifiedEmpty: boolean; evidenceDigest: string }[];
  };
  return page(
    { title: 'Erasure certificate', ...(csrf ? { csrf } : {}) },
    html`<dl class="facts">
        <dt>Request</dt>
        <dd><code>${view.requestId}</code></dd>
        <dt>Requested</dt>
        <dd>${when(certificate.requestedAt)}</dd>
        <dt>Completed</dt>
        <dd>${when(certificate.completedAt)}</dd>
        <dt>Result</dt>
        <dd>${certificate.result}</dd>
        <dt>Digest (SHA-256 of the JSON)</dt>
        <dd><code class="digest">${view.certificate.digest}</code></dd>
      </dl>
      <div class="scroll" tabindex="0" role="region" aria-label="Each system's answer">
        <table>
          <thead>
            <tr>
              <th scope="col">System</th>
              <th scope="col">Outcome</th>
              <th scope="col">Checked empty</th>
              <th scope="col">Evidence digest</th>
            </tr>
          </thead>
          <tbody>
            ${certificate.outcomes.map(
              (o) =>
                html`<tr>
                  <th scope="row">${o.participantId}</th>
                  <td>${OUTCOME_WORDS[o.outcome] ?? o.outcome}</td>
                  <td>${o.verifiedEmpty ? 'yes' : 'no'}</td>
                  <td><code>${o.evidenceDigest.slice(0, 23)}…</code></td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p class="no-print">
        <a href="/requests/${view.requestId}/certificate.json" download>Download the certificate (JSON)</a> ·
        <a href="/requests/${view.requestId}/receipt.json" download>Download the receipt (JSON)</a> ·
        <a href="/requests/${view.requestId}">Back to the request</a>
      </p>`,
  );
}

/** The receipt is asked for before the audit log signed a head over the completion. */
export function receiptPendingPage(csrf: string | undefined, requestId: string): string {
  return page(
    { title: 'Receipt not ready yet', ...(csrf ? { csrf } : {}) },
    html`<p>
        The audit log signs your deletion into its record within a minute of it completing. Please try again
        shortly.
      </p>
      <p><a href="/requests/${requestId}">Back to the request</a></p>`,
  );
}
