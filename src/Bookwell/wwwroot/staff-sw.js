// Bookwell staff dashboard service worker: the app shell comes from the network when there is one; when the
// tablet is offline it shows the last agenda it saw rather than the browser's error page.
var CACHE = 'bookwell-staff-v1';
self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(['/assets/admin.css', '/assets/admin.js', '/assets/icon.svg']); }));
  self.skipWaiting();
});
self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }));
  self.clients.claim();
});
self.addEventListener('fetch', function (e) {
  var req = e.request;
  if (req.method !== 'GET') { return; }
  e.respondWith(fetch(req).then(function (res) {
    if (res.ok && (req.mode === 'navigate' || req.url.indexOf('/assets/') >= 0)) {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { c.put(req, copy); });
    }
    return res;
  }).catch(function () { return caches.match(req); }));
});
