// Cast's small page script: CSRF header for HTMX, toasts, confirmations. No inline scripts (CSP).
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }

  document.addEventListener("htmx:configRequest", function (e) {
    var token = csrf();
    if (token) e.detail.headers["X-CSRF-Token"] = token;
  });

  function toast(html, isText) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    if (isText) { el.className = "toast error"; el.setAttribute("role", "alert"); el.textContent = html; }
    else { el.innerHTML = html; el = el.firstElementChild || el; }
    box.appendChild(el);
    setTimeout(function () { if (el.parentNode) el.parentNode.removeChild(el); }, 8000);
  }

  // Error answers to HTMX requests are toast fragments; show them instead of losing them.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    var body = xhr && xhr.responseText ? xhr.responseText.trim() : "";
    if (body.indexOf('class="toast') !== -1) toast(body, false);
    else toast("Something went wrong (HTTP " + (xhr ? xhr.status : "?") + "). Try again.", true);
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Cast cannot be reached. Check your connection; Cast will keep trying.", true);
  });

  document.addEventListener("submit", function (e) {
    var msg = e.target && e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
})();

// Times are sent in UTC; show them in the owner's own time zone.
(function () {
  function localize(root) {
    (root || document).querySelectorAll("time[data-local]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d)) t.textContent = d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { localize(); });
  document.addEventListener("htmx:afterSettle", function (e) { localize(e.target); });
})();
