// The live copyright pre-check on the copy form (progressive enhancement: the form works without
// it). After the librarian pauses typing, the form is posted to the pre-check endpoint, which
// writes nothing, and the likely decision is announced in the page's live region.
(function () {
  "use strict";
  var form = document.getElementById("copy-form");
  var result = document.getElementById("precheck-result");
  if (!form || !result || !window.fetch) { return; }
  var url = form.getAttribute("data-precheck-url");
  var labels = {
    ACCEPT_CCG: "Likely accepted (CCG).",
    ACCEPT_CCL: "Likely accepted (CCL).",
    NEEDS_PERMISSION: "Likely held for copyright permission.",
    REFUSE: "Likely refused.",
    REJECT_INCOMPLETE: "The citation is not complete yet.",
    incomplete: "Likely decision:"
  };
  var timer = null;
  var last = "";

  function show(data) {
    var label = labels[data.outcome] || "Likely decision:";
    result.textContent = "Copyright pre-check: " + label + " " + (data.explanation || "") +
      " The decision is taken again when you send the request.";
  }

  function check() {
    var body = new FormData(form);
    var signature = new URLSearchParams(body).toString();
    if (signature === last) { return; }
    last = signature;
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) { show(data); }
    }).catch(function () { /* the form still works; the decision comes on submit */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 700);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
