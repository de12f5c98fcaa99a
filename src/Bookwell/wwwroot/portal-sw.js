// Bookwell client portal service worker: shows the push notifications the business sends (booking confirmations,
// reminders, changes) and opens the portal when one is clicked. It caches nothing.
self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (e) { e.waitUntil(self.clients.claim()); });
self.addEventListener('push', function (e) {
  var data = {};
  try { data = e.data ? e.data.json() : {}; } catch (err) { data = { body: e.data ? e.data.text() : '' }; }
  e.waitUntil(self.registration.showNotification(data.title || '', {
    body: data.body || '',
    tag: data.tag || undefined,
    icon: '/assets/icon.svg',
    data: { url: data.url || '/account' }
  }));
});
self.addEventListener('notificationclick', function (e) {
  e.notification.close();
  var url = new URL((e.notification.data && e.notification.data.url) || '/account', self.location.origin).href;
  e.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) { if (list[i].url === url && 'focus' in list[i]) { return list[i].focus(); } }
    return self.clients.openWindow(url);
  }));
});
