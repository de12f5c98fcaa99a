// Bookwell client portal: turns push notifications on or off for this device (Notifications page). The section
// stays hidden where the browser cannot subscribe or script does not run.
(function () {
  'use strict';
  var box = document.getElementById('push');
  if (!box || !('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) { return; }
  var on = document.getElementById('push-on');
  var off = document.getElementById('push-off');
  var state = document.getElementById('push-state');
  var tokenField = document.querySelector('input[name="__RequestVerificationToken"]');
  var token = tokenField ? tokenField.value : '';
  function key(b64) {
    var s = b64.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) { s += '='; }
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function show(subscribed, text) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    state.textContent = text || box.getAttribute(subscribed ? 'data-on' : 'data-off');
  }
  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'RequestVerificationToken': token },
      body: JSON.stringify(body)
    }).then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r; });
  }
  var ready = navigator.serviceWorker.register(box.getAttribute('data-sw'), { scope: '/account/' }).then(function () { return navigator.serviceWorker.ready; });
  box.hidden = false;
  ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
    if (sub) { return post('/account/push/subscriptions', sub.toJSON()).then(function () { show(true); }); }
    show(false, Notification.permission === 'denied' ? box.getAttribute('data-denied') : null);
  }).catch(function () { show(false); });
  on.addEventListener('click', function () {
    on.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== 'granted') { show(false, box.getAttribute('data-denied')); return null; }
      return ready.then(function (reg) {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(box.getAttribute('data-key')) });
      }).then(function (sub) { return post('/account/push/subscriptions', sub.toJSON()); }).then(function () { show(true); });
    }).catch(function () { show(false, box.getAttribute('data-failed')); }).then(function () { on.disabled = false; });
  });
  off.addEventListener('click', function () {
    off.disabled = true;
    ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
      if (!sub) { show(false); return null; }
      var endpoint = sub.endpoint;
      return sub.unsubscribe().then(function () { return post('/account/push/subscriptions/remove', { endpoint: endpoint }); }).then(function () { show(false); });
    }).catch(function () { show(true, box.getAttribute('data-failed')); }).then(function () { off.disabled = false; });
  });
})();
