// The Data page's health-export upload with a progress bar. Without this
// script the form is a plain POST and the page answers when the import is done.
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData || !window.DOMParser) return;

  // The answer is the whole Data page: swap in its <main>, keep this page's scripts.
  function replaceMain(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
    var main = document.querySelector("main");
    if (!fresh || !main) return false;
    main.replaceWith(fresh);
    setUp();
    var target = document.getElementById("health-errors") || document.getElementById("health-result");
    if (target) target.focus();
    return true;
  }

  function setUp() {
    var form = document.getElementById("health-form");
    if (!form) return;
    var box = document.getElementById("health-progress");
    var bar = document.getElementById("health-bar");
    var phase = document.getElementById("health-phase");
    var percent = document.getElementById("health-percent");
    var submit = document.getElementById("health-submit");

    function show(label, done, total) {
      box.hidden = false;
      phase.textContent = label;
      if (total > 0) {
        var p = Math.min(100, Math.floor((done / total) * 100));
        bar.value = p;
        percent.textContent = p + "% (" + (done / 1048576).toFixed(1) + " of " + (total / 1048576).toFixed(1) + " MB)";
      } else {
        bar.removeAttribute("value");
        percent.textContent = "";
      }
    }

    function newJob() {
      if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
      return String(Date.now()) + "-" + String(Math.random()).slice(2, 12);
    }

    form.addEventListener("submit", function (event) {
      if (!form.checkValidity()) return;
      event.preventDefault();
      var job = newJob();
      form.elements.job.value = job;
      var data = new FormData(form);
      var xhr = new XMLHttpRequest();
      var polling = null;
      submit.disabled = true;
      show("Uploading the export", 0, 0);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) show("Uploading the export", e.loaded, e.total);
      });
      xhr.upload.addEventListener("load", function () {
        show("Reading the export", 0, 0);
        polling = setInterval(function () {
          fetch("/data/health/progress?job=" + encodeURIComponent(job), { credentials: "same-origin" })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (s) {
              if (!s) return;
              if (s.phase === "reading") show("Reading the export", s.done, s.total);
              else if (s.phase === "saving") show("Saving the check-ins", 0, 0);
            })
            .catch(function () {});
        }, 700);
      });
      xhr.addEventListener("loadend", function () {
        if (polling) clearInterval(polling);
        if (xhr.status && /text\/html/.test(xhr.getResponseHeader("content-type") || "") && replaceMain(xhr.responseText)) return;
        submit.disabled = false;
        box.hidden = false;
        phase.textContent = xhr.status === 413 ? "The file is larger than the server accepts." : "The upload did not get through; try again.";
        bar.value = 0;
        percent.textContent = "";
      });
      xhr.open("POST", form.action);
      xhr.send(data);
    });
  }

  setUp();
})();
