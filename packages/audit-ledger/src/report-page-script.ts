// The report page's only script: it reads the requests from the page's JSON data block and shows
// them a page at a time, filtered and searched, each row opening its timeline and receipt. It
// writes with textContent only, so nothing from the log can become markup; the page's Content
// Security Policy allows this script by its hash and no other.
//
// Kept as plain browser JavaScript in a string: it runs in the auditor's browser, not in Node.

export const REPORT_PAGE_SCRIPT = String.raw`
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const requests = data.requests;
  const PAGE = 50;
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, className) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  };
  const iso = (ms) => (ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));
  const took = (r) => (r.completedAt === null || r.requestedAt === null ? null : r.completedAt - r.requestedAt);
  const human = (ms) => {
    if (ms === null) return '-';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    if (ms < 3600000) return Math.round(ms / 60000) + ' min';
    if (ms < 86400000) return (ms / 3600000).toFixed(1) + ' h';
    return (ms / 86400000).toFixed(1) + ' days';
  };
  const controls = {
    search: $('filter-search'),
    status: $('filter-status'),
    result: $('filter-result'),
    regulation: $('filter-regulation'),
    bin: $('filter-took'),
    sort: $('sort'),
  };
  const open = new Set();
  let page = 0;

  const sorters = {
    log: null,
    newest: (a, b) => (b.requestedAt ?? 0) - (a.requestedAt ?? 0),
    slowest: (a, b) => (took(b) ?? -1) - (took(a) ?? -1),
    due: (a, b) => (a.dueAt ?? Infinity) - (b.dueAt ?? Infinity),
  };

  function matching() {
    const needle = controls.search.value.trim().toLowerCase();
    const status = controls.status.value;
    const result = controls.result.value;
    const regulation = controls.regulation.value;
    const bin = controls.bin.value;
    const found = requests.filter(
      (r) =>
        (!needle ||
          r.requestId.toLowerCase().includes(needle) ||
          (r.subjectId || '').toLowerCase().includes(needle)) &&
        (!status || r.status === status) &&
        (!result || r.result === result) &&
        (!regulation || (r.regulation || 'none') === regulation) &&
        (!bin || String(r.bin) === bin),
    );
    const sorter = sorters[controls.sort.value];
    return sorter ? found.sort(sorter) : found;
  }

  function detail(r) {
    const cell = el('td');
    cell.colSpan = 8;
    const steps = el('ol', undefined, 'timeline');
    for (const step of r.steps) {
      const item = el('li');
      item.append(el('time', iso(step.at)), ' ', el('strong', step.type), ' ', el('span', step.detail));
      steps.append(item);
    }
    const answers = el('table', undefined, 'answers');
    const head = el('tr');
    for (const name of ['Participant', 'Outcome', 'Took from the plan']) head.append(el('th', name));
    answers.append(head);
    for (const answer of r.participants) {
      const row = el('tr');
      row.append(
        el('td', answer.participantId),
        el('td', answer.outcome + (answer.failure ? ' (' + answer.failure + ')' : '')),
        el('td', human(answer.latencyMs)),
      );
      answers.append(row);
    }
    const receipt = el('div', undefined, 'receipt');
    if (r.completionPosition) {
      receipt.append(
        el('p', 'Completion ledgered at ' + r.completionPosition + '. Its receipt proves it without the log:'),
        el('code', 'lethe audit prove ' + r.requestId + ' --out ' + r.requestId + '.receipt.json'),
        el('br'),
        el('code', 'lethe audit check-receipt ' + r.requestId + '.receipt.json --public-key "$LETHE_AUDIT_PUBLIC_KEY"'),
      );
    } else receipt.append(el('p', 'No completion yet: no receipt.'));
    cell.append(el('h4', 'Timeline'), steps, el('h4', 'Participants'), answers, el('h4', 'Receipt'), receipt);
    const row = el('tr', undefined, 'detail');
    row.append(cell);
    return row;
  }

  function render() {
    const found = matching();
    const pages = Math.max(1, Math.ceil(found.length / PAGE));
    page = Math.min(page, pages - 1);
    const body = $('requests-body');
    body.replaceChildren();
    for (const r of found.slice(page * PAGE, page * PAGE + PAGE)) {
      const row = el('tr', undefined, 'request ' + r.status);
      row.dataset.requestId = r.requestId;
      const toggle = el('button', r.requestId, 'open-request');
      toggle.type = 'button';
      toggle.setAttribute('aria-expanded', String(open.has(r.requestId)));
      toggle.addEventListener('click', () => {
        if (open.has(r.requestId)) open.delete(r.requestId);
        else open.add(r.requestId);
        render();
      });
      const idCell = el('td');
      idCell.append(toggle);
      row.append(
        idCell,
        el('td', r.subjectId || '-'),
        el('td', r.status + (r.atRisk ? ' (at risk)' : ''), 'status'),
        el('td', r.result || '-'),
        el('td', r.regulation || 'none'),
        el('td', iso(r.requestedAt)),
        el('td', iso(r.dueAt)),
        el('td', human(took(r))),
      );
      body.append(row);
      if (open.has(r.requestId)) body.append(detail(r));
    }
    const first = found.length === 0 ? 0 : page * PAGE + 1;
    $('shown').textContent =
      'Showing ' + first + '-' + Math.min(found.length, (page + 1) * PAGE) + ' of ' + found.length +
      ' matching requests (' + requests.length + ' in all)';
    $('page-previous').disabled = page === 0;
    $('page-next').disabled = page >= pages - 1;
  }

  for (const control of Object.values(controls))
    control.addEventListener('input', () => {
      page = 0;
      render();
    });
  $('page-previous').addEventListener('click', () => {
    page -= 1;
    render();
  });
  $('page-next').addEventListener('click', () => {
    page += 1;
    render();
  });
  for (const bar of document.querySelectorAll('.completion-chart .bar')) {
    const choose = () => {
      controls.bin.value = bar.dataset.bin;
      controls.status.value = '';
      page = 0;
      render();
      $('requests').scrollIntoView();
    };
    bar.addEventListener('click', choose);
    bar.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') choose();
    });
  }
  // Links from the at-risk and overdue lists: #request=<id> finds and opens that request.
  const follow = () => {
    const match = /^#request=(.+)$/.exec(location.hash);
    if (!match) return;
    const id = decodeURIComponent(match[1]);
    for (const key of ['status', 'result', 'regulation', 'bin']) controls[key].value = '';
    controls.search.value = id;
    open.add(id);
    page = 0;
    render();
    $('requests').scrollIntoView();
  };
  window.addEventListener('hashchange', follow);
  render();
  follow();
  document.body.dataset.ready = 'true';
})();
`;
