/* The desk's keyboard and small helpers (issue 14 §7, §8, §10). A file of ours, no inline
   script (the Content-Security-Policy allows none).

   Shortcuts (listed on the help overlay opened with "?"):
     n  take the next ticket (R14)      r  reply to the client (open the answer form)
     e  pass to client evaluation        /  search
     ?  this help                        Esc  close the help
   They are ignored while typing in a field. */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable=true]"));
  }

  function openAction(id) {
    var details = document.getElementById(id);
    if (!details) return false;
    details.open = true;
    // The text first (an answer form starts with its template picker), else the first field.
    var field =
      details.querySelector("textarea") ||
      details.querySelector("input:not([type=hidden]), select, button");
    if (field) field.focus();
    details.scrollIntoView({ block: "nearest" });
    return true;
  }

  function takeNext() {
    var form = document.getElementById("take-next") || document.getElementById("take-next-kbd");
    if (!form) return false;
    form.requestSubmit ? form.requestSubmit() : form.submit();
    return true;
  }

  function search() {
    var box = document.querySelector("[data-shortcut=search], input[type=search], #queue-filters select");
    if (!box) return false;
    box.focus();
    return true;
  }

  var help = null;
  var before = null;

  function showHelp() {
    help = help || document.getElementById("kbd-help");
    if (!help || help.open) return false;
    before = document.activeElement;
    help.showModal();
    var close = help.querySelector("button");
    if (close) close.focus();
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    help = document.getElementById("kbd-help");
    if (help) {
      help.addEventListener("close", function () {
        if (before && before.focus) before.focus();
      });
      var close = help.querySelector("[data-close]");
      if (close) close.addEventListener("click", function () { help.close(); });
    }
    var opener = document.getElementById("kbd-help-open");
    if (opener) opener.addEventListener("click", function (e) { e.preventDefault(); showHelp(); });
    watchAnswering();
    watchBulk();
  });

  // A printed report shows every chart's table (issue 16 §2): open them before printing.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-data").forEach(function (d) { d.open = true; });
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (typing(e.target)) return;
    if (help && help.open) return; // the dialog handles Esc itself
    var done = false;
    switch (e.key) {
      case "?": done = showHelp(); break;
      case "n": done = takeNext(); break;
      case "r": done = openAction("act-answer") || openAction("act-accept"); break;
      case "e": done = openAction("act-resolve"); break;
      case "/": done = search(); break;
    }
    if (done) e.preventDefault();
  });

  /* Presence (issue 14 §7): tell the poll whether this consultant is answering — an answer,
     question or resolution form open — so colleagues are warned. */
  var ANSWER_FORMS = ["act-answer", "act-ask", "act-resolve", "act-accept"];

  function watchAnswering() {
    var flag = document.getElementById("presence-answering");
    if (!flag) return;
    function update() {
      var answering = ANSWER_FORMS.some(function (id) {
        var d = document.getElementById(id);
        return d && d.open;
      });
      var value = answering ? "1" : "";
      if (flag.value !== value) {
        flag.value = value;
        document.body.dispatchEvent(new CustomEvent("presence-changed"));
      }
    }
    ANSWER_FORMS.forEach(function (id) {
      var d = document.getElementById(id);
      if (d) d.addEventListener("toggle", update);
    });
  }

  /* Bulk actions (issue 14 §8): the queue's rows are re-fetched every 30 s; keep what was
     ticked, and show how many. */
  function watchBulk() {
    var rows = document.getElementById("queue-rows");
    var count = document.getElementById("bulk-count");
    if (!rows || !count) return;
    var picked = new Set();
    function show() {
      count.textContent = picked.size ? "(" + picked.size + ")" : "";
    }
    rows.addEventListener("change", function (e) {
      var box = e.target;
      if (!box.classList || !box.classList.contains("bulk-pick")) return;
      if (box.checked) picked.add(box.value); else picked.delete(box.value);
      show();
    });
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.target !== rows) return;
      rows.querySelectorAll("input.bulk-pick").forEach(function (box) {
        box.checked = picked.has(box.value);
      });
    });
  }
})();
