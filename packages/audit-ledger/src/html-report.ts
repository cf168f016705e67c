import { createHash } from 'node:crypto';

import type { RequestTimeline } from './problems';
import { completionChart } from './report-chart';
import { REPORT_PAGE_SCRIPT } from './report-page-script';
import { completionBinOf, humanDuration, summariseRequests, type ReportSummary } from './report-summary';
import type { VerifyReport } from './verify';

// The verification as one self-contained page for people: the verdict and a summary first, then
// the problems, the requests that need a person, and every request in a searchable table. It
// works from a file, offline, for 10,000 requests and more: the table renders a page of rows at a
// time from a JSON block, and the summary is drawn here, so it prints without the script.

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const iso = (ms: number | null) =>
  ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const STATUSES = ['completed', 'open', 'blocked', 'overdue'] as const;
/** The overdue and at-risk lists name this many; the table filters to the rest. */
const LISTED = 20;

/** JSON that is safe inside a script element: no `<` can close it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function countTable(caption: string, counts: Readonly<Record<string, number>>): string {
  const rows = Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `<tr><th scope="row">${escape(name)}</th><td>${count}</td></tr>`)
    .join('');
  return `<table class="counts"><caption>${escape(caption)}</caption>${rows || '<tr><td colspan="2">none</td></tr>'}</table>`;
}

function participantTable(summary: ReportSummary): string {
  const outcomes = [...new Set(summary.participants.flatMap((p) => Object.keys(p.outcomes)))].sort();
  const head = ['Participant', 'Tasks', ...outcomes, 'p50', 'p95'].map(
    (h) => `<th scope="col">${escape(h)}</th>`,
  );
  const rows = summary.participants
    .map(
      (p) =>
        `<tr data-participant="${escape(p.participantId)}"><th scope="row">${escape(p.participantId)}</th><td>${p.tasks}</td>${outcomes
          .map((o) => `<td>${p.outcomes[o] ?? 0}</td>`)
          .join('')}<td>${humanDuration(p.p50Ms)}</td><td>${humanDuration(p.p95Ms)}</td></tr>`,
    )
    .join('');
  return `<table class="participants"><caption>Outcome of each participant's tasks, and time from the plan to its answer</caption><tr>${head.join('')}</tr>${rows}</table>`;
}

function requestList(id: string, title: string, requests: readonly RequestTimeline[], now: number): string {
  const items = requests
    .slice(0, LISTED)
    .map((r) => {
      const due =
        r.dueAt === null
          ? 'no deadline'
          : `due ${iso(r.dueAt)} (${r.dueAt >= now ? 'in ' : ''}${humanDuration(Math.abs(r.dueAt - now))}${r.dueAt < now ? ' ago' : ''})`;
      return `<li><a href="#request=${encodeURIComponent(r.requestId)}">${escape(r.requestId)}</a> ${escape(r.status)}, ${due}</li>`;
    })
    .join('');
  const more =
    requests.length > LISTED
      ? `<p>and ${requests.length - LISTED} more: filter the table by status.</p>`
      : '';
  return `<section id="${id}"><h3>${escape(title)}: ${requests.length}</h3>${items ? `<ol>${items}</ol>${more}` : '<p>None.</p>'}</section>`;
}

function select(id: string, label: string, options: readonly [value: string, text: string][]): string {
  return `<label for="${id}">${escape(label)}</label> <select id="${id}"><option value="">any</option>${options
    .map(([value, text]) => `<option value="${escape(value)}">${escape(text)}</option>`)
    .join('')}</select>`;
}

function readsSection(report: VerifyReport): string {
  const reads = report.reads
    .map(
      (subject) =>
        `<details class="reads"><summary>${escape(subject.subjectId)}: ${subject.reads.length} reads</summary><ul>${subject.reads
          .map(
            (r) =>
              `<li><time>${escape(r.at)}</time> ${escape(r.actor)} (${escape(r.actorScopes.join(', '))}) ${escape(r.operation)}: ${escape(r.fields.join(', '))}${r.purpose ? `, for ${escape(r.purpose)}` : ''}</li>`,
          )
          .join('')}</ul></details>`,
    )
    .join('\n');
  return reads || '<p>No recorded reads.</p>';
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:72em;color:#111}
h1 .verdict{padding:0 .4em;border-radius:4px;color:#fff}.pass{background:#2e7d32}.fail{background:#b71c1c}
.cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ccc;border-radius:6px;padding:.5em 1em;min-width:8em}
.card strong{display:block;font-size:1.6em}table{border-collapse:collapse;margin:.5em 0}th,td{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}
caption{text-align:left;font-weight:600}.tables{display:flex;flex-wrap:wrap;gap:2em}.lists{display:flex;flex-wrap:wrap;gap:2em}
.completion-chart .bar{cursor:pointer}.completion-chart .bar:focus rect.count,.completion-chart .bar:hover rect.count{stroke:#000;stroke-width:2}
.completion-chart text{font-size:12px}.filters{display:flex;flex-wrap:wrap;gap:.8em;align-items:center;margin:.5em 0}
button.open-request{font:inherit;background:none;border:none;color:#0645ad;text-decoration:underline;cursor:pointer;padding:0}
tr.overdue .status{color:#b71c1c;font-weight:600}tr.detail td{background:#f6f6f6}ol.timeline{margin:.3em 0;padding-left:1.5em}
time{color:#555;font-family:monospace}.receipt code{background:#eee;padding:0 .3em}
@media print{.filters,.pager,noscript{display:none}body{margin:0;max-width:none}a{color:inherit;text-decoration:none}section{break-inside:avoid}}`;

/** The verification as a page for people (see the top of this file). */
export function renderHtmlReport(report: VerifyReport): string {
  const now = Date.parse(report.verifiedAt);
  const summary = summariseRequests(report.requests, now);
  const script = REPORT_PAGE_SCRIPT;
  const scriptHash = createHash('sha256').update(script).digest('base64');
  const data = { requests: report.requests.map((r) => ({ ...r, bin: completionBinOf(r) })) };
  const problems = report.problems.length
    ? `<ul class="problems">${report.problems.map((p) => `<li><strong>${escape(p.kind)}</strong> at <code>${escape(p.position)}</code>: ${escape(p.detail)}</li>`).join('')}</ul>`
    : '<p class="no-problems">No problems found.</p>';
  const cards = STATUSES.map(
    (s) => `<div class="card" data-status="${s}"><strong>${summary.byStatus[s] ?? 0}</strong>${s}</div>`,
  ).join('');
  const values = (key: 'result' | 'regulation') =>
    [...new Set(report.requests.map((r) => r[key] ?? (key === 'regulation' ? 'none' : null)))]
      .filter((v): v is string => v !== null)
      .sort()
      .map((v): [string, string] => [v, v]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lethe audit report</title><style>${STYLE}</style></head>
<body>
<header>
<h1>Lethe audit report <span class="verdict ${report.ok ? 'pass' : 'fail'}">${report.ok ? 'PASS' : 'FAIL'}</span></h1>
<p>Verified ${iso(now)}: ${report.ledger.entries} ledger entries (last seq ${report.ledger.lastSeq}), ${report.ledger.checkpoints} signed checkpoints, ${report.records} records replayed, ${report.problems.length} problems.${report.erasedSubjectsChecked === null ? '' : ` Erased subjects checked in the key vault: ${report.erasedSubjectsChecked}.`}</p>
</header>
<main>
<section id="summary"><h2>Summary: ${summary.total} erasure requests</h2>
<div class="cards">${cards}</div>
<div class="tables">${countTable('By result', summary.byResult)}${countTable('By reason', summary.byReason)}${countTable('By regulation', summary.byRegulation)}</div>
<h3 id="completion-chart-title">Time from request to completion, against the deadline</h3>
<p>Completed: median ${humanDuration(summary.completionP50Ms)}, 95th percentile ${humanDuration(summary.completionP95Ms)}. Select a bar to list its requests.</p>
${completionChart(summary.completion)}
<h3>Participants</h3>
${participantTable(summary)}
</section>
<section id="problems"><h2>Problems</h2>
${problems}</section>
<section id="attention"><h2>Needs attention</h2><div class="lists">
${requestList('overdue', 'Overdue', summary.overdue, now)}
${requestList('at-risk', 'At risk (flagged, or due within 3 days)', summary.atRisk, now)}
</div></section>
<section id="requests"><h2>Requests</h2>
<noscript><p>The table of requests needs JavaScript; the summary above does not.</p></noscript>
<div class="filters">
<label for="filter-search">Request or subject id</label> <input id="filter-search" type="search" autocomplete="off">
${select(
  'filter-status',
  'Status',
  STATUSES.map((s) => [s, s]),
)}
${select('filter-result', 'Result', values('result'))}
${select('filter-regulation', 'Regulation', values('regulation'))}
${select(
  'filter-took',
  'Took',
  summary.completion.map((bin, i): [string, string] => [String(i), bin.label]),
)}
<label for="sort">Order</label> <select id="sort"><option value="log">as on the log</option><option value="newest">newest first</option><option value="slowest">slowest first</option><option value="due">due soonest</option></select>
</div>
<p id="shown" aria-live="polite"></p>
<table class="requests"><thead><tr><th scope="col">Request</th><th scope="col">Subject</th><th scope="col">Status</th><th scope="col">Result</th><th scope="col">Regulation</th><th scope="col">Requested</th><th scope="col">Due</th><th scope="col">Took</th></tr></thead>
<tbody id="requests-body"></tbody></table>
<p class="pager"><button type="button" id="page-previous">Previous page</button> <button type="button" id="page-next">Next page</button></p>
</section>
<section id="reads"><h2>Reads of personal data</h2>
${readsSection(report)}</section>
</main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${script}</script>
</body></html>
`;
}
