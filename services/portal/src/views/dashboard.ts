import type { Consents, Participant, Profile, Purpose } from '../api/lethe-api';
import { html } from './html';
import { page } from './layout';
import { noticeBox, when } from './parts';

const CATEGORY_NAMES: Record<string, string> = {
  account: 'Account details',
  contact: 'Contact details',
  consent: 'Consent choices',
  'consent-proof': 'Proof of your consent choices',
  'marketing-contact': 'Marketing contact details',
  usage: 'Usage data',
  'user-content': 'What you created (events, notes, files)',
  'llm-processing': 'Content sent to LLM providers',
  exports: 'Copies of your data you asked for',
};
const categoryName = (category: string) => CATEGORY_NAMES[category] ?? category;

export function myDataPage(csrf: string, profile: Profile, participants: readonly Participant[]): string {
  return page(
    { title: 'My data', csrf, current: '/' },
    html`<section aria-labelledby="account-heading">
        <h2 id="account-heading">Your account</h2>
        <dl class="facts">
          <dt>Email</dt>
          <dd>${profile.email}</dd>
          <dt>Name</dt>
          <dd>${profile.name}</dd>
          <dt>Phone</dt>
          <dd>${profile.phone ?? 'not given'}</dd>
          <dt>Time zone</dt>
          <dd>${profile.timezone ?? 'not given'}</dd>
          <dt>Status</dt>
          <dd>${profile.status}</dd>
          <dt>Last active</dt>
          <dd>${profile.lastActiveDay}</dd>
        </dl>
      </section>
      <section aria-labelledby="stores-heading">
        <h2 id="stores-heading">Where your data is kept</h2>
        <p>
          Every system below keeps something about you; each that holds your data takes part when you delete
          your account.
        </p>
        <div class="scroll" tabindex="0" role="region" aria-labelledby="stores-heading">
          <table>
            <thead>
              <tr>
                <th scope="col">System</th>
                <th scope="col">What it holds</th>
                <th scope="col">Stores</th>
              </tr>
            </thead>
            <tbody>
              ${participants.map(
                (p) =>
                  html`<tr>
                    <th scope="row">${p.participantId}</th>
                    <td>
                      ${
                        p.categories.length > 0
                          ? p.categories.map(categoryName).join(', ')
                          : 'when your data is due to go (nothing an erasure removes)'
                      }
                    </td>
                    <td>${p.stores.join(', ')}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </section>
      <p><a href="/consents">Review your consents</a> · <a href="/delete">Delete your account</a></p>`,
  );
}

export function consentsPage(
  csrf: string,
  purposes: readonly Purpose[],
  consents: Consents,
  gpc: boolean,
  notice?: string,
): string {
  return page(
    { title: 'My consents', csrf, current: '/consents' },
    html`${noticeBox(notice)}
      ${
        gpc
          ? html`<p class="notice">
              Your browser sends the Global Privacy Control signal: we treat it as your choice not to have
              your data sold or shared, and have recorded it.
            </p>`
          : ''
      }
      <p>Each choice is recorded with the exact text shown here and the policy version in force.</p>
      ${purposes.map((purpose) => {
        const current = consents.consents[purpose.id];
        const granted = current?.granted ?? false;
        return html`<section class="purpose" aria-labelledby="purpose-${purpose.id}">
          <h2 id="purpose-${purpose.id}">${purpose.description}</h2>
          <p>
            Now:
            <strong>${granted ? 'allowed' : 'not allowed'}</strong
            >${current ? html` (since ${when(current.at)})` : ''}
          </p>
          <form method="post" action="/consents/${purpose.id}">
            <input type="hidden" name="_csrf" value="${csrf}" />
            <input type="hidden" name="granted" value="${granted ? 'false' : 'true'}" />
            <button type="submit">
              ${granted ? 'Withdraw consent' : 'Allow'}<span class="visually-hidden">
                for: ${purpose.description}</span
              >
            </button>
          </form>
        </section>`;
      })}
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        ${
          consents.history.length === 0
            ? html`<p>No choices recorded yet.</p>`
            : html`<div class="scroll" tabindex="0" role="region" aria-labelledby="history-heading">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Purpose</th>
                      <th scope="col">Choice</th>
                      <th scope="col">How</th>
                      <th scope="col">Policy version</th>
                      <th scope="col">Text shown (SHA-256)</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${[...consents.history].reverse().map(
                      (d) =>
                        html`<tr>
                          <td>${when(d.at)}</td>
                          <td>${d.purpose}</td>
                          <td>${d.granted ? 'allowed' : 'withdrawn'}</td>
                          <td>${d.gpc ? 'Global Privacy Control' : d.source}</td>
                          <td>${d.policyVersion}</td>
                          <td><code>${d.textHash.slice(0, 19)}…</code></td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
        }
      </section>`,
  );
}
