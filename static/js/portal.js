// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS) {
    window.DKFDS.init();
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
