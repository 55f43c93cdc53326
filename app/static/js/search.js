// Tra cứu: "/" brings the focus back to the search box (unless typing elsewhere);
// the box keeps its text with the cursor at the end; Enter submits natively.
// On submit, empty fields and defaults are left out so the address stays short
// and shareable (the server reads a full form just as well).
(function () {
  "use strict";
  var box = document.getElementById("q");
  var form = document.getElementById("search-form");
  if (!box || !form) { return; }

  function toEnd() {
    var n = box.value.length;
    try { box.setSelectionRange(n, n); } catch (e) { /* some input types refuse */ }
  }
  if (document.activeElement === box) { toEnd(); }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" ||
        (target && target.isContentEditable)) {
      return;
    }
    event.preventDefault();
    box.focus();
    box.select();
  });

  form.addEventListener("formdata", function (event) {
    var data = event.formData;
    var keys = [];
    data.forEach(function (value, key) { if (keys.indexOf(key) < 0) { keys.push(key); } });
    keys.forEach(function (key) {
      var kept = data.getAll(key).filter(function (v) { return v !== ""; });
      data.delete(key);
      kept.forEach(function (v) { data.append(key, v); });
    });
    if (data.get("sort") === "relevance") { data.delete("sort"); }
    var defaults = (form.getAttribute("data-default-columns") || "").split(" ");
    var shown = data.getAll("show");
    if (shown.length === defaults.length &&
        defaults.every(function (c) { return shown.indexOf(c) >= 0; })) {
      data.delete("show");
    }
  });
})();
