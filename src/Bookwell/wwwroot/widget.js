/*! Bookwell booking widget. One tag:
 * <script src="https://host/widget.js" data-page="slug" async></script>
 * Options (data-*): mode="floating|inline", target="#css-selector" (inline), position="bottom-right|bottom-left",
 * title, subtitle, welcome, lang. The booking flow runs in an iframe, so the host's CSS and scripts and the
 * widget's cannot touch each other. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[src*='widget.js'][data-page]");
  if (!script || script.dataset.bookwellLoaded) { return; }
  script.dataset.bookwellLoaded = "1";
  var d = script.dataset;
  var origin = new URL(script.src, location.href).origin;
  var src = origin + "/book/" + encodeURIComponent(d.page || "") + "?embed=1" + (d.lang ? "&lang=" + encodeURIComponent(d.lang) : "");

  function frame(height) {
    var f = document.createElement("iframe");
    f.src = src;
    f.title = d.title || "Book an appointment";
    f.setAttribute("style", "border:0;width:100%;height:" + height + ";display:block;background:#fff;color-scheme:light");
    f.setAttribute("allow", "geolocation");
    return f;
  }

  function onHeight(f) {
    window.addEventListener("message", function (e) {
      if (e.origin === origin && e.source === f.contentWindow && e.data && e.data.bookwellHeight) {
        f.style.height = Math.max(400, e.data.bookwellHeight) + "px";
      }
    });
  }

  if (d.mode === "inline") {
    var target = d.target ? document.querySelector(d.target) : null;
    if (!target) { target = document.createElement("div"); script.parentNode.insertBefore(target, script); }
    var inline = frame("640px");
    onHeight(inline);
    target.appendChild(inline);
    return;
  }

  // Floating button: its own shadow root keeps host styles out of the button and panel chrome.
  var host = document.createElement("div");
  host.setAttribute("data-bookwell-widget", "");
  host.style.cssText = "all: initial !important";
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var side = d.position === "bottom-left" ? "left" : "right";
  root.innerHTML =
    "<style>" +
    ":host{all:initial}" +
    ".b{position:fixed;bottom:20px;" + side + ":20px;z-index:2147483646;display:flex;flex-direction:column;align-items:flex-start;" +
    "min-height:48px;padding:10px 18px;border:0;border-radius:24px;background:#0E7490;color:#fff;font:600 16px/1.3 system-ui,sans-serif;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer}" +
    ".b small{font-weight:400;font-size:13px}" +
    ".b:focus-visible,.x:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}" +
    ".p{position:fixed;bottom:84px;" + side + ":20px;z-index:2147483647;width:min(420px,calc(100vw - 24px));height:min(680px,calc(100vh - 110px));" +
    "background:#fff;border-radius:12px;box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden;display:flex;flex-direction:column}" +
    ".p[hidden]{display:none}" +
    ".h{display:flex;justify-content:space-between;align-items:center;padding:6px 8px 6px 14px;font:600 15px system-ui,sans-serif;color:#1f2937;border-bottom:1px solid #e5e7eb}" +
    ".x{min-width:44px;min-height:44px;border:0;background:none;font-size:22px;cursor:pointer;color:#1f2937}" +
    ".w{padding:8px 14px;margin:0;font:14px system-ui,sans-serif;color:#374151}" +
    "@media (max-width:480px){.p{bottom:0;" + side + ":0;width:100vw;height:100vh;border-radius:0}}" +
    "</style>" +
    "<button class='b' type='button' aria-haspopup='dialog' aria-expanded='false'></button>" +
    "<div class='p' role='dialog' aria-modal='false' hidden><div class='h'><span class='t'></span>" +
    "<button class='x' type='button' aria-label='Close'>&times;</button></div></div>";
  var button = root.querySelector(".b");
  var panel = root.querySelector(".p");
  button.textContent = d.title || "Book now";
  if (d.subtitle) { var s = document.createElement("small"); s.textContent = d.subtitle; button.appendChild(s); }
  root.querySelector(".t").textContent = d.title || "Book now";
  panel.setAttribute("aria-label", d.title || "Book now");
  if (d.welcome) { var w = document.createElement("p"); w.className = "w"; w.textContent = d.welcome; panel.appendChild(w); }
  var iframe = null;
  function open() {
    if (!iframe) { iframe = frame("100%"); iframe.style.flex = "1"; panel.appendChild(iframe); }
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    root.querySelector(".x").focus();
  }
  function close() {
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(); } });
  root.querySelector(".x").addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
  window.addEventListener("message", function (e) {
    if (e.origin === origin && iframe && e.source === iframe.contentWindow && e.data && e.data.bookwellClose) { close(); }
  });
  (document.body || document.documentElement).appendChild(host);
  // The button wears the page's own accent colour (the page API is readable from any origin).
  if (window.fetch) {
    fetch(origin + "/api/v1/pages/" + encodeURIComponent(d.page || "")).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) { if (p && p.branding && p.branding.accent) { button.style.background = p.branding.accent; } })
      .catch(function () { /* keep the default colour */ });
  }
})();
