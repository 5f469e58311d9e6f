// Updates a directory import's progress page every two seconds until the import is done or has failed:
// fetches the page again and puts its status box in place of this one (a live region, so it is read out).
// Without JavaScript the page has a link that reloads it.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box || !window.fetch || !window.DOMParser) { return; }
  function update() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { window.setTimeout(update, 5000); return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-import-progress]");
        if (!fresh) { return; }
        var state = fresh.getAttribute("data-import-progress");
        if (state !== box.getAttribute("data-import-progress")) {
          box.innerHTML = fresh.innerHTML;
          box.setAttribute("data-import-progress", state);
        }
        if (state === "waiting" || state === "running") { window.setTimeout(update, 2000); }
      })
      .catch(function () { window.setTimeout(update, 5000); });
  }
  window.setTimeout(update, 2000);
})();
