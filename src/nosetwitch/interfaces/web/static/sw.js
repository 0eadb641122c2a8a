// nosetwitch's service worker: keeps the app shell (the Log page, its style, script
// and icons) so the installed app opens without a connection. Pages are asked of the
// network first and the copy kept is used only when it cannot be reached; the API
// and every POST always go to the network (a twitch logged offline waits in the
// page's queue, static/phone.js, not here).
"use strict";
var CACHE = "nosetwitch-shell-v1";
var SHELL = ["/", "/static/app.css", "/static/app.js", "/static/phone.js", "/static/icon.svg", "/static/icon-192.png", "/manifest.webmanifest"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(request, response) {
  if (response.ok && response.type === "basic" && !response.redirected) {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
  }
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (request.mode === "navigate") {
    // Network first; offline, the Log page (the one page that works without a connection).
    event.respondWith(fetch(request).then(function (response) {
      return url.pathname === "/" ? keep("/", response) : response;
    }).catch(function () {
      return caches.match(request, { ignoreSearch: true }).then(function (hit) { return hit || caches.match("/"); });
    }));
    return;
  }
  if (SHELL.indexOf(url.pathname) >= 0) {
    // The shell's files: the kept copy at once, refreshed in the background.
    event.respondWith(caches.match(request).then(function (hit) {
      var fresh = fetch(request).then(function (response) { return keep(request, response); });
      return hit || fresh;
    }));
  }
});
