// The desk: after an action, focus moves to its result, shown just above what it acted on (the
// list, the request's actions), so keyboard users go on from there and screen readers read it.
// An error summary, when there is one, is focused by error-summary.js instead. A link to an
// action ("Reply to the library") unfolds it. Pages work without it: the action's heading then
// unfolds it.
(function () {
  "use strict";
  function unfoldTarget() {
    var id = window.location.hash.slice(1);
    var target = id && document.getElementById(id);
    var details = target && target.closest("details");
    if (details) {
      details.open = true;
      target.focus();
    }
  }
  window.addEventListener("hashchange", unfoldTarget);
  if (window.location.hash) {
    unfoldTarget();
    return;
  }
  if (document.querySelector("[data-error-summary]")) {
    return;
  }
  var result = document.querySelector("[data-result]");
  if (result) {
    result.focus();
  }
})();
