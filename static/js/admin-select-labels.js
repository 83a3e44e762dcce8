/* The admin's autocomplete selectors (Select2) name their combobox only by the selected text, so
   an empty one has no accessible name (WCAG 4.1.2; axe aria-input-field-name). Name each by its
   field's label followed by its current value, and drop the inner "textbox" role, which names
   nothing and takes no input. Watches for selectors added later (inline forms). Loaded on every
   admin page by templates/admin/base_site.html. */
(function () {
  "use strict";

  function labelSelector(selection) {
    var container = selection.closest(".select2");
    var select = container && container.previousElementSibling;
    if (!select || select.tagName !== "SELECT" || !select.id) { return; }
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (!label) { return; }
    if (!label.id) { label.id = select.id + "_label"; }
    var rendered = selection.querySelector(".select2-selection__rendered");
    var names = [label.id];
    if (rendered && rendered.id) {
      rendered.removeAttribute("role");
      rendered.removeAttribute("aria-readonly");
      names.push(rendered.id);
    }
    selection.setAttribute("aria-labelledby", names.join(" "));
  }

  function labelAll(root) {
    root.querySelectorAll(".select2-selection[role=combobox]").forEach(labelSelector);
  }

  document.addEventListener("DOMContentLoaded", function () {
    labelAll(document);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType === Node.ELEMENT_NODE) { labelAll(node.parentNode || node); }
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
