import type { VerifyReport } from './verify';

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const iso = (ms: number | null) =>
  ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const DAY = 86_400_000;

/** A bar from request to completion (or to now), against the legal deadline. */
function chart(request: VerifyReport['requests'][number], now: number): string {
  if (request.requestedAt === null || request.dueAt === null) return '';
  const span = Math.max(request.dueAt, request.completedAt ?? now) - request.requestedAt || 1;
  const x = (ms: number) => ((ms - request.requestedAt!) / span) * 300;
  const end = request.completedAt ?? Math.min(now, request.dueAt);
  const colour =
    request.status === 'completed'
      ? request.completedAt! <= request.dueAt
        ? '#2e7d32'
        : '#c62828'
      : request.status === 'overdue'
        ? '#c62828'
        : '#f9a825';
  return `<svg class="chart" width="320" height="24" role="img" aria-label="time to ${request.status} against the deadline">
<rect x="0" y="6" width="${Math.max(2, x(end)).toFixed(1)}" height="12" fill="${colour}"/>
<line x1="${x(request.dueAt).toFixed(1)}" y1="0" x2="${x(request.dueAt).toFixed(1)}" y2="24" stroke="#000" stroke-dasharray="3,2"/>
</svg>`;
}

/** The verification as a page for people: summary, problems, then each request's timeline. */
export function renderHtmlReport(report: VerifyReport): string {
  const now = Date.parse(report.verifiedAt);
  const counts = (status: string) => report.requests.filter((r) => r.status === status).length;
  const rows = report.requests
    .map((r) => {
      const days =
        r.completedAt !== null && r.requestedAt !== null
          ? `${((r.completedAt - r.requestedAt) / DAY).toFixed(2)} days`
          : '-';
      const steps = r.steps
        .map((s) => `<li><time>${iso(s.at)}</time> ${escape(s.type)} <span>${escape(s.detail)}</span></li>`)
        .join('');
      return `<section class="request ${r.status}" data-request-id="${escape(r.requestId)}">
<h3>${escape(r.requestId)} <span class="status">${r.status}${r.result ? ` (${escape(r.result)})` : ''}</span></h3>
<p>Requested ${iso(r.requestedAt)}, due ${iso(r.dueAt)}, completed ${iso(r.completedAt)} (${days}); completions: ${r.completions}</p>
${chart(r, now)}
<ol class="timeline">${steps}</ol>
</section>`;
    })
    .join('\n');
  const problems = report.problems.length
    ? `<ul class="problems">${report.problems.map((p) => `<li><strong>${escape(p.kind)}</strong> at <code>${escape(p.position)}</code>: ${escape(p.detail)}</li>`).join('')}</ul>`
    : '<p class="no-problems">No problems found.</p>';
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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lethe audit report</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:60em}h1 .verdict{padding:0 .4em;border-radius:4px;color:#fff}
.pass{background:#2e7d32}.fail{background:#c62828}section.request{border-top:1px solid #ddd;padding:.5em 0}
.status{font-weight:normal;color:#555}ol.timeline{margin:.3em 0;padding-left:1.5em}time{color:#777;font-family:monospace}</style></head>
<body>
<h1>Lethe audit report <span class="verdict ${report.ok ? 'pass' : 'fail'}">${report.ok ? 'PASS' : 'FAIL'}</span></h1>
<p>Verified ${iso(now)}: ${report.ledger.entries} ledger entries (last seq ${report.ledger.lastSeq}), ${report.ledger.checkpoints} signed checkpoints, ${report.records} records replayed.</p>
<p>Erasure requests: ${report.requests.length} (completed ${counts('completed')}, open ${counts('open')}, blocked by legal holds ${counts('blocked')}, overdue ${counts('overdue')}).${report.erasedSubjectsChecked === null ? '' : ` Erased subjects checked in the key vault: ${report.erasedSubjectsChecked}.`}</p>
<h2>Problems</h2>
${problems}
<h2>Requests</h2>
${rows}
<h2>Reads of personal data</h2>
${reads || '<p>No recorded reads.</p>'}
</body></html>
`;
}
