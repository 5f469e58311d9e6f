// Progressive enhancement only: every page works without this file.

// DKFDS's script (77 KB) is loaded only on pages with something it drives: what DKFDS.init() looks for
// (tests/test_page_assets.py checks this list against DKFDS's own init). Most public pages have none.
var DKFDS_PARTS = [
  ".accordion",
  ".accordion-bordered",
  ".alert.has-close",
  ".back-to-top-button",
  ".form-limit",
  ".js-checkbox-toggle-content",
  ".js-dropdown",
  ".overflow-menu--sort",
  ".date-picker",
  "[data-module=\"error-summary\"]",
  ".fds-modal",
  "[data-module=\"modal\"]",
  ".navigation-menu",
  ".mobile-drawer",
  ".js-menu-open",
  ".js-menudropdown",
  ".js-radio-toggle-group",
  "table.table--responsive-headers",
  "table.table-sm-responsive-headers",
  "table.table-md-responsive-headers",
  "table.table-lg-responsive-headers",
  "table.table--selectable",
  "div.tab-container",
  ".tooltip-wrapper"
];
var DKFDS_SCRIPT = document.currentScript && document.currentScript.dataset.dkfds;

document.addEventListener("DOMContentLoaded", function () {
  if (DKFDS_SCRIPT && document.querySelector(DKFDS_PARTS.join(","))) {
    var script = document.createElement("script");
    script.src = DKFDS_SCRIPT;
    script.addEventListener("load", function () { window.DKFDS.init(); });
    document.head.appendChild(script);
  }

  // Print and share buttons on a contact card: hidden until there is script to run them.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  if (navigator.share) {
    document.querySelectorAll("[data-share]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({ title: button.dataset.shareTitle, url: button.dataset.share }).catch(function () {});
      });
    });
  }
});
