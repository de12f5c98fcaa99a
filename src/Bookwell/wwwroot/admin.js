// Bookwell dashboard: progressive enhancement only; every action also works as a plain form.
(function () {
  'use strict';
  // The header's menus open and close by themselves without script; with it, a click elsewhere or Escape closes them.
  var menus = document.querySelectorAll('header.bar li.menu details');
  document.addEventListener('click', function (e) {
    menus.forEach(function (d) { if (d.open && !d.contains(e.target)) { d.open = false; } });
  });
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') { return; }
    menus.forEach(function (d) { if (d.open) { d.open = false; d.querySelector('summary').focus(); } });
  });
  // Drag a booking in the day view to another time or staff column.
  var cal = document.querySelector('.cal');
  var form = document.getElementById('move-form');
  if (cal && form) {
    var from = parseInt(cal.getAttribute('data-from'), 10) || 0;
    var ppm = parseFloat(cal.getAttribute('data-ppm')) || 1;
    // Drops snap to the page's slot grid, where the booking rules allow a start.
    var snap = parseInt(cal.getAttribute('data-snap'), 10) || 15;
    var dragged = null;
    cal.addEventListener('dragstart', function (e) {
      var a = e.target.closest && e.target.closest('.appt[draggable="true"]');
      if (!a) { return; }
      dragged = { id: a.getAttribute('data-id'), grab: e.offsetY || 0 };
      a.classList.add('dragging');
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', dragged.id);
    });
    cal.addEventListener('dragend', function (e) {
      var a = e.target.closest && e.target.closest('.appt');
      if (a) { a.classList.remove('dragging'); }
    });
    cal.addEventListener('dragover', function (e) {
      var body = e.target.closest && e.target.closest('.body[data-staff]');
      if (body && dragged) { e.preventDefault(); body.classList.add('drop'); }
    });
    cal.addEventListener('dragleave', function (e) {
      var body = e.target.closest && e.target.closest('.body[data-staff]');
      if (body) { body.classList.remove('drop'); }
    });
    cal.addEventListener('drop', function (e) {
      var body = e.target.closest && e.target.closest('.body[data-staff]');
      if (!body || !dragged) { return; }
      e.preventDefault();
      var rect = body.getBoundingClientRect();
      var minute = from + Math.round(((e.clientY - rect.top - dragged.grab) / ppm) / snap) * snap;
      minute = Math.max(0, Math.min(minute, 24 * 60 - snap));
      var hh = String(Math.floor(minute / 60)).padStart(2, '0');
      var mm = String(minute % 60).padStart(2, '0');
      form.elements.id.value = dragged.id;
      form.elements.time.value = hh + ':' + mm;
      form.elements.staff.value = body.getAttribute('data-staff') || '';
      form.submit();
    });
  }
  // Ask before destructive actions.
  document.addEventListener('submit', function (e) {
    var message = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) { e.preventDefault(); }
  });
  // Branding: the preview follows the inputs as they change.
  var preview = document.getElementById('brand-preview');
  if (preview) {
    var apply = function () {
      var accent = document.getElementById('AccentColor');
      var title = document.getElementById('HeroTitle');
      var text = document.getElementById('HeroDescription');
      var theme = document.getElementById('Theme');
      var color = accent && /^#[0-9a-fA-F]{6}$/.test(accent.value) ? accent.value
        : (theme && theme.selectedOptions[0] ? theme.selectedOptions[0].getAttribute('data-color') : null);
      if (color) { preview.style.setProperty('--accent', color); }
      if (title) { preview.querySelector('[data-preview="title"]').textContent = title.value || preview.getAttribute('data-name'); }
      if (text) { preview.querySelector('[data-preview="text"]').textContent = text.value; }
    };
    ['AccentColor', 'HeroTitle', 'HeroDescription', 'Theme'].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.addEventListener('input', apply); el.addEventListener('change', apply); }
    });
    apply();
  }
})();
// The staff dashboard installs as an app: register its service worker.
(function () {
  'use strict';
  var sw = document.body && document.body.getAttribute('data-sw');
  if (sw && 'serviceWorker' in navigator) { navigator.serviceWorker.register(sw, { scope: '/staff' }).catch(function () { }); }
  // The desk checkout waiting for the card reader: press "Check again" every few seconds (the button works without script).
  var waiting = document.getElementById('terminal-waiting');
  var check = document.getElementById('terminal-check');
  if (waiting && check && check.form) {
    var every = parseInt(waiting.getAttribute('data-poll'), 10) || 3000;
    setTimeout(function () { check.form.requestSubmit(check); }, every);
  }
})();
