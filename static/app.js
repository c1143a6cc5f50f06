// Cast's small page script: CSRF header for HTMX, toasts, confirmations. No inline scripts (CSP).
// ES2017, no dependencies. Upload code lives in its own file.
(function () {
  "use strict";
  const TOAST_MS = 6000;

  function csrf() {
    const m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }

  // (a) Every HTMX request carries the CSRF token.
  document.addEventListener("htmx:configRequest", (e) => {
    const token = csrf();
    if (token) e.detail.headers["X-CSRF-Token"] = token;
  });

  // (b) Toasts in #toasts go away after a while, however they got there
  // (server-rendered, swapped in by HTMX, or added below).
  function expire(el) {
    if (el.nodeType !== 1 || !el.classList.contains("toast") || el.dataset.expires) return;
    el.dataset.expires = "1";
    setTimeout(() => el.remove(), TOAST_MS);
  }
  function watchToasts() {
    const box = document.getElementById("toasts");
    if (!box) return;
    box.querySelectorAll(".toast").forEach(expire);
    new MutationObserver((records) => {
      for (const r of records) r.addedNodes.forEach(expire);
    }).observe(box, { childList: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watchToasts);
  else watchToasts();

  function toast(message, kind) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = "toast " + (kind || "error");
    el.setAttribute("role", "alert");
    el.textContent = message;
    box.appendChild(el);
  }

  // (d) Error answers to HTMX requests are toast fragments: show them instead of losing them.
  document.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr;
    const box = document.getElementById("toasts");
    const tpl = document.createElement("template");
    tpl.innerHTML = (xhr && xhr.responseText) || "";
    const found = tpl.content.querySelectorAll(".toast");
    if (box && found.length) found.forEach((t) => box.appendChild(t));
    else toast("Something went wrong (HTTP " + (xhr ? xhr.status : "?") + ").");
  });
  document.addEventListener("htmx:sendError", () => {
    toast("Cast cannot be reached. Check your connection and try again.");
  });

  // (c) <form data-confirm="..."> asks first. HTMX forms are asked through htmx:confirm (HTMX
  // sends before a bubbling submit listener would run); plain forms through the submit event.
  document.addEventListener("htmx:confirm", (e) => {
    const elt = e.detail.elt;
    const form = elt instanceof HTMLFormElement ? elt : elt.type === "submit" ? elt.form : null;
    if (!form || !form.hasAttribute("data-confirm")) return;
    e.preventDefault();
    if (window.confirm(form.dataset.confirm)) e.detail.issueRequest(true);
  });
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (e.defaultPrevented || !(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (!window.confirm(form.dataset.confirm)) e.preventDefault();
  });
})();

// Installable on the phone, and the share target: the service worker lives at /sw.js (scope /).
// A browser that refuses it (private mode, no support) simply goes without.
(function () {
  if (!("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
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
