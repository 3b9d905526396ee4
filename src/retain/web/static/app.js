// retain: keyboard shortcuts for studying, answer timing, and focus after each swap.
// Loaded as a file (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  var shownAt = Date.now();

  function study() { return document.getElementById("study"); }

  function focusFirst(root) {
    var target = root && root.querySelector("[autofocus]");
    if (target) { target.focus({ preventScroll: true }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    shownAt = Date.now();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "study") {
      shownAt = Date.now();
      focusFirst(target);
    }
  });

  // Each answer carries how long it took: the grade of a quick, complete answer is Easy.
  document.addEventListener("htmx:configRequest", function (event) {
    var params = event.detail.parameters;
    var elt = event.detail.elt;
    var form = elt && (elt.tagName === "FORM" ? elt : elt.closest("form"));
    if (!form || !form.querySelector('input[name="duration_ms"]')) { return; }
    var keep = form.querySelector('input[name="duration_ms"][data-keep]');
    if (keep && keep.value) { return; }
    var value = String(Math.max(0, Date.now() - shownAt));
    if (params instanceof FormData) { params.set("duration_ms", value); }
    else { params["duration_ms"] = value; }
  });

  // A refused request (a stale question, a bad form) shows its message in place.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    if (status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function isField(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function press(key) {
    var root = study();
    if (!root) { return false; }
    var button = root.querySelector('[data-key="' + key + '"]');
    if (!button) { return false; }
    button.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var el = event.target;
    // Enter sends a typed answer; Shift+Enter starts a new line.
    if (event.key === "Enter" && el && el.hasAttribute && el.hasAttribute("data-enter-submits") && !event.shiftKey) {
      event.preventDefault();
      if (el.form) { el.form.requestSubmit(); }
      return;
    }
    if (isField(el) || !study()) { return; }
    var key = event.key;
    var onControl = el && (el.tagName === "BUTTON" || el.tagName === "A" || el.tagName === "SUMMARY");
    if (onControl && (key === " " || key === "Spacebar" || key === "Enter")) { return; }
    if (key === " " || key === "Spacebar") {
      if (press(" ")) { event.preventDefault(); return; }
      var suggested = study().querySelector("[data-suggested]");
      if (suggested) { event.preventDefault(); suggested.click(); }
      return;
    }
    if (key === "Enter") {
      var best = study().querySelector("[data-suggested]");
      if (best) { event.preventDefault(); best.click(); }
      return;
    }
    if (/^[1-4]$/.test(key) || key === "u" || key === "r" || key === "w") {
      if (press(key)) { event.preventDefault(); }
    }
  });
})();
