// Moves focus to a form's error summary when the page shows one, so keyboard and screen-reader
// users start at the list of problems; each item links to its field. Pages work without it.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
