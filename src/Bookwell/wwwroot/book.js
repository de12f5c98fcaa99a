// Progressive enhancement for the booking pages; everything works without it.
(function () {
  "use strict";
  var main = document.querySelector("main[data-page-zone]");
  // Show times in the visitor's own zone: add it to the URL once, if the page is not already using one.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var url = new URL(window.location.href);
    if (main && zone && !url.searchParams.has("tz") && url.searchParams.has("service") && zone !== main.dataset.zone) {
      url.searchParams.set("tz", zone);
      window.location.replace(url.toString());
      return;
    }
    var select = document.getElementById("tz");
    if (select && zone && !Array.prototype.some.call(select.options, function (o) { return o.value === zone; })) {
      var option = document.createElement("option");
      option.value = zone;
      option.textContent = zone.replace(/_/g, " ");
      select.insertBefore(option, select.firstChild);
    }
  } catch (e) { /* old browser: the page zone stays */ }
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  var geo = document.querySelector("[data-geolocate]");
  if (geo && navigator.geolocation) {
    geo.hidden = false;
    geo.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById("lat").value = p.coords.latitude.toFixed(6);
        document.getElementById("lng").value = p.coords.longitude.toFixed(6);
      });
    });
  }
  var alert = document.querySelector("[role=alert]");
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) { invalid.focus(); } else if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
})();
// Inside the widget's iframe: tell the host page how tall the content is, so inline embeds need no scrollbar.
(function () {
  "use strict";
  if (window.parent === window) { return; }
  function post() { window.parent.postMessage({ bookwellHeight: document.documentElement.scrollHeight }, "*"); }
  window.addEventListener("load", post);
  if (window.ResizeObserver) { new ResizeObserver(post).observe(document.body); }
  // Escape inside the frame closes the floating panel too.
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { window.parent.postMessage({ bookwellClose: true }, "*"); } });
})();
