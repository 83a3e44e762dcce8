// The desk: after an action, focus moves to its result, shown just above what it acted on (the
// list, the request's actions), so keyboard users go on from there and screen readers read it.
// An error summary, when there is one, is focused by error-summary.js instead. Pages work
// without it.
(function () {
  "use strict";
  if (document.querySelector("[data-error-summary]")) {
    return;
  }
  var result = document.querySelector("[data-result]");
  if (result) {
    result.focus();
  }
})();
