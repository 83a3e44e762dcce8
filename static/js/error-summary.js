// Moves focus to a form's error summary when the page shows one, so keyboard and screen-reader
// users start at the list of problems; each item links to its field. Otherwise it moves focus to
// the line saying what was just done ("Copy request 12 received."), so it is read out. Pages
// work without it.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]") || document.querySelector("[data-announce]");
  if (summary) {
    summary.focus();
  }
})();
