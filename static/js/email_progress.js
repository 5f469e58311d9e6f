// Updates the counts of an e-mail round's progress page every two seconds until all are handled.
// Without JavaScript the page has a link that reloads it.
(function () {
  "use strict";
  var box = document.querySelector("[data-email-progress]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-email-progress");
  function update() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (!progress) { return; }
        ["sent", "failed", "waiting", "skipped"].forEach(function (name) {
          var cell = box.querySelector('[data-count="' + name + '"]');
          if (cell) { cell.textContent = String(progress[name]); }
        });
        if (progress.done) {
          var status = box.querySelector('[role="status"]');
          status.textContent = status.getAttribute("data-done-text");
        } else {
          window.setTimeout(update, 2000);
        }
      })
      .catch(function () { window.setTimeout(update, 5000); });
  }
  window.setTimeout(update, 2000);
})();
