// InfoMigra staff console: small enhancements on top of plain forms (everything works without).
(function () {
  "use strict";

  // A warning before leaving a form with unsaved changes.
  var dirty = null;
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-unsaved-warning]");
    if (form) { dirty = form; }
  });
  document.addEventListener("submit", function () { dirty = null; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = dirty.getAttribute("data-unsaved-warning");
      return event.returnValue;
    }
  });

  // "Add another" under an editable list: a copy of the last row, emptied, focused.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-row]");
    if (!button) { return; }
    var list = button.closest("[data-list]").querySelector("ul");
    var last = list.lastElementChild;
    if (!last) { return; }
    var row = last.cloneNode(true);
    var n = list.children.length + 1;
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
      input.id = input.id.replace(/_\d+$/, "_" + n);
    });
    row.querySelectorAll("label").forEach(function (label) {
      label.htmlFor = label.htmlFor.replace(/_\d+$/, "_" + n);
    });
    list.appendChild(row);
    var first = row.querySelector("input");
    if (first) { first.focus(); }
  });

  // "I checked the facts today" fills in the date field.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("[data-today]") && box.checked) {
      var field = document.getElementById("reviewed_on");
      if (field) { field.value = box.getAttribute("data-today"); }
    }
    if (box.matches && box.matches("select[data-autosubmit]")) { box.form.submit(); }
  });

  // A new key is selected when focused, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-all]")) { event.target.select(); }
  });

  // After a refused form, focus moves to the list of problems.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
