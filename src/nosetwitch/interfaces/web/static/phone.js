// nosetwitch on a phone: the service worker, pairing by QR code, and the queue of
// "Twitching now" taps that keeps a twitch logged without a connection and sends it
// later. Every tap gets an id made here, so sending it twice stores it once.
(function () {
  "use strict";

  // The service worker keeps the Log page for offline use; browsers allow it on
  // HTTPS, localhost and 127.0.0.1 only (on plain home-network HTTP the pages work without it).
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
  // Logging out: forget the pages kept for offline use.
  document.querySelectorAll('form[action="/logout"]').forEach(function (form) {
    form.addEventListener("submit", function () { if (window.caches) caches.keys().then(function (keys) { keys.forEach(function (k) { caches.delete(k); }); }); });
  });

  // Pairing: the QR code opens /pair#code=...; the fragment never reaches the server
  // or its logs. Fill the form with it and send it (a POST body).
  var pairForm = document.getElementById("pair-form");
  function pairFromLink() {
    if (!pairForm || location.hash.indexOf("#code=") !== 0) return;
    var code = decodeURIComponent(location.hash.slice(6));
    history.replaceState(null, "", location.pathname);  // the code leaves the address bar
    pairForm.elements.code.value = code;
    pairForm.submit();
  }
  pairFromLink();
  window.addEventListener("hashchange", pairFromLink);  // the pair page was already open

  // --- the queue (IndexedDB) -----------------------------------------------------------------
  var DB_NAME = "nosetwitch", STORE = "taps", SEND_TIMEOUT_MS = 8000;
  var database = null;

  function openDb() {
    if (database) return database;
    database = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return database;
  }
  function transact(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), result;
        var request = work(tx.objectStore(STORE));
        if (request) request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  var queue = {
    all: function () { return transact("readonly", function (s) { return s.getAll(); }); },
    put: function (tap) { return transact("readwrite", function (s) { return s.put(tap); }); },
    remove: function (id) { return transact("readwrite", function (s) { return s.delete(id); }); },
  };

  function newId() {
    // A random (version 4) UUID; crypto.randomUUID needs HTTPS, getRandomValues does not.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return "tap-" + h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- sending -------------------------------------------------------------------------------------
  function timed(url, options) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS);
    return fetch(url, Object.assign({ credentials: "same-origin", signal: controller && controller.signal }, options))
      .finally(function () { clearTimeout(timer); });
  }
  var csrf = null;
  function token(fresh) {
    if (csrf && !fresh) return Promise.resolve(csrf);
    return timed("/api/v1/session").then(function (r) {
      if (!r.ok) throw new Error("session " + r.status);
      return r.json();
    }).then(function (s) { csrf = s.csrf_token; return csrf; });
  }
  // Send one tap: "sent" (stored now or before), "refused" (the server will never take it),
  // or throws when the server cannot be reached or will not answer yet.
  function send(tap, retried) {
    return token(retried).then(function (t) {
      return timed("/api/v1/episodes", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": t },
        body: JSON.stringify({ id: tap.id, started_at: tap.started_at }),
      });
    }).then(function (r) {
      if (r.status === 200 || r.status === 201) return "sent";
      if (r.status === 403 && !retried) return send(tap, true);  // a new session: a new token
      if (r.status === 409 || r.status === 422) return "refused";
      throw new Error("not now: " + r.status);
    });
  }
  var flushing = null;
  function flush() {
    if (flushing) return flushing;
    var sent = 0, refused = 0;
    flushing = queue.all().then(function (taps) {
      taps.sort(function (a, b) { return a.started_at < b.started_at ? -1 : 1; });
      return taps.reduce(function (chain, tap) {
        return chain.then(function () {
          return send(tap).then(function (outcome) {
            if (outcome === "sent") sent += 1; else refused += 1;
            return queue.remove(tap.id);
          });
        });
      }, Promise.resolve());
    }).catch(function () { /* offline or not allowed yet: they wait */ }).then(function () {
      flushing = null;
      return show(sent, refused).then(function () { return sent; });
    });
    return flushing;
  }

  // --- the Log page ------------------------------------------------------------------------------
  var form = document.querySelector("form[data-offline-queue]");
  var status = document.querySelector("[data-queue-status]");
  var count = document.querySelector('[data-testid="today-count"]');

  function plural(n) { return n === 1 ? "1 twitch" : n + " twitches"; }
  function show(sent, refused) {
    if (!status) return Promise.resolve();
    return queue.all().then(function (taps) {
      var lines = [];
      if (taps.length) {
        var latest = taps.map(function (t) { return t.started_at; }).sort().pop();
        var at = new Date(latest).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        lines.push(plural(taps.length) + " waiting to be sent (the latest tapped at " + at + "). Kept on this device; sent as soon as the connection is back.");
      }
      if (sent) lines.push("Sent " + plural(sent) + " logged while offline.");
      if (refused) lines.push(plural(refused) + " could not be stored (the server refused it).");
      status.textContent = lines.join(" ");
      status.hidden = lines.length === 0;
      status.setAttribute("data-waiting", String(taps.length));
      if (sent && count) {
        timed("/api/v1/overview").then(function (r) { return r.ok ? r.json() : null; })
          .then(function (o) { if (o) count.textContent = o.today_count; }).catch(function () {});
      }
    }).catch(function () {});
  }

  if (form && window.fetch) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) return;  // the plain post below
      event.preventDefault();
      var tap = { id: newId(), started_at: new Date().toISOString() };
      queue.put(tap).then(function () {
        return send(tap).then(function (outcome) {
          return queue.remove(tap.id).then(function () { return outcome; });
        });
      }).then(function () {
        // Stored. The plain form post with the same id stores nothing new and
        // opens the twitch's page, as without JavaScript.
        form.elements.id.value = tap.id;
        form.elements.started_at.value = tap.started_at;
        form.dataset.sending = "1";
        form.submit();
      }, function () {
        show(0, 0);  // kept in the queue (or no IndexedDB: nothing to keep, so post it plainly)
        if (!window.indexedDB) { form.dataset.sending = "1"; form.submit(); }
      });
    });
  }
  window.addEventListener("online", flush);
  setInterval(function () { if (status && status.getAttribute("data-waiting") !== "0") flush(); }, 30000);
  flush();
  // For people who want to look (and for the tests): the queue and a way to send it now.
  window.nosetwitchQueue = { all: queue.all, put: queue.put, flush: flush };
})();
