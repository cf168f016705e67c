// Progressive enhancement only: every page works without it. While a deletion runs, its status
// page refreshes the progress part every few seconds (announced politely to screen readers).
(function () {
  'use strict';
  var progress = document.getElementById('progress');
  if (!progress || progress.getAttribute('data-state') !== 'in-progress') return;
  function refresh() {
    fetch(window.location.pathname + '/progress', {
      credentials: 'same-origin',
      headers: { accept: 'text/html' },
    })
      .then(function (answer) {
        if (!answer.ok) throw new Error('status ' + answer.status);
        return answer.text();
      })
      .then(function (text) {
        var parsed = new DOMParser().parseFromString(text, 'text/html').getElementById('progress');
        if (!parsed) return;
        if (parsed.innerHTML !== progress.innerHTML) progress.innerHTML = parsed.innerHTML;
        progress.setAttribute('data-state', parsed.getAttribute('data-state'));
        if (parsed.getAttribute('data-state') === 'in-progress') window.setTimeout(refresh, 2000);
      })
      .catch(function () {
        window.setTimeout(refresh, 5000);
      });
  }
  window.setTimeout(refresh, 2000);
})();
