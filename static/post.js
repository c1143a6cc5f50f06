// The posting screen: picks the video, uploads it to Cast over tus (resumable), previews it, and
// keeps the form in line with TikTok's Direct Post rules. The server enforces every rule again.
(function () {
  "use strict";
  var CHUNK = 50 * 1024 * 1024; // under the 100 MB request cap of free Cloudflare tunnels
  var current = null; // the running tus upload

  function $(id) { return document.getElementById(id); }
  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; }
  function fmtBytes(n) { return n > 1e9 ? (n / 1e9).toFixed(2) + " GB" : (n / 1e6).toFixed(1) + " MB"; }
  function fmtTime(s) { s = Math.round(s); return s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s"; }

  function mode(form) { var r = form.querySelector('input[name="mode"]:checked'); return r ? r.value : "now"; }

  // Recomputes everything that depends on the form's state: consent wording, branded/private
  // exclusion, the publish button and its explanation.
  function refresh(form) {
    var commercial = $("commercial").checked;
    var organic = $("brand_organic"), branded = $("brand_content");
    var privacy = $("privacy_level");
    var inbox = mode(form) === "inbox";
    $("commercial-options").hidden = !commercial;
    if (!commercial) { organic.checked = false; branded.checked = false; }
    var selfOnly = privacy.querySelector('option[value="SELF_ONLY"]');
    if (selfOnly) selfOnly.disabled = branded.checked || selfOnly.dataset.lock === "1";
    branded.disabled = privacy.value === "SELF_ONLY";
    $("branded-private-hint").hidden = !(branded.checked || privacy.value === "SELF_ONLY") || !commercial;
    var needsChoice = commercial && !organic.checked && !branded.checked;
    $("commercial-hint").hidden = !needsChoice;
    $("consent-plain").hidden = branded.checked;
    $("consent-branded").hidden = !branded.checked;
    $("publish_at").hidden = mode(form) !== "schedule";
    $("publish_at").required = mode(form) === "schedule";
    $("inbox-note").hidden = !inbox;
    privacy.required = !inbox;
    var check = $("video-check").querySelector("[data-ok]");
    var ready = $("upload-id").value !== "" && check && check.dataset.ok === "true";
    var ok = ready && !needsChoice && (inbox || privacy.value !== "") &&
      (mode(form) !== "schedule" || $("publish_at").value !== "");
    var button = $("publish");
    button.disabled = !ok;
    button.textContent = inbox ? "Send to TikTok inbox" : (mode(form) === "schedule" ? "Schedule" : "Publish");
    button.title = needsChoice ? "You need to indicate if your content promotes yourself, a third party, or both." : "";
    $("title-count").textContent = String(($("title").value.match(/[\s\S]/g) || []).length);
  }

  function showProgress(sent, total, started) {
    var pct = total ? Math.floor((sent / total) * 100) : 0;
    var secs = (Date.now() - started) / 1000;
    var speed = secs > 0 ? sent / secs : 0;
    var left = speed > 0 ? (total - sent) / speed : 0;
    $("upload-progress").hidden = false;
    $("upload-bar").value = pct;
    $("upload-text").textContent = pct + "% · " + fmtBytes(sent) + " of " + fmtBytes(total) +
      (speed > 0 ? " · " + fmtBytes(speed) + "/s · " + fmtTime(left) + " left" : "");
  }

  // `uploaded` (optional) runs once Cast has the whole file.
  function startUpload(form, file, uploaded) {
    if (current) { current.abort(); current = null; }
    $("upload-id").value = "";
    $("video-check").innerHTML = "";
    var preview = $("preview");
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
    var started = Date.now();
    var upload = new tus.Upload(file, {
      endpoint: "/uploads/tus/",
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      metadata: { filename: file.name, filetype: file.type || "video/mp4" },
      headers: { "X-CSRF-Token": csrf() },
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) { showProgress(sent, total, started); },
      onError: function (err) {
        $("upload-text").textContent = "The upload stopped: " + (err && err.message ? err.message.split("\n")[0] : "unknown error") +
          ". Pick the same file again to resume where it stopped.";
      },
      onSuccess: function () {
        var id = upload.url.split("/").filter(Boolean).pop();
        if (uploaded) uploaded();
        $("upload-id").value = id;
        $("upload-text").textContent = "Uploaded to Cast. Checking the video against TikTok's rules…";
        htmx.ajax("GET", "/post/check?upload_id=" + encodeURIComponent(id) + "&open_id=" +
          encodeURIComponent(form.querySelector('input[name="open_id"]').value), { target: "#video-check", swap: "innerHTML" })
          .then(function () { refresh(form); });
      }
    });
    current = upload;
    // A reload or a dropped tunnel: the same file picks up where it stopped.
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  }

  // A video shared from the phone's gallery: the service worker (sw.js) kept it in the Cache API
  // and sent the phone here with ?shared=N; take it and upload it like a picked file.
  var SHARE_CACHE = "cast-share-v1";
  function shared() { return new URLSearchParams(location.search).get("shared"); }

  function shareNote(message) {
    var note = $("share-note");
    if (!note) {
      note = document.createElement("article");
      note.id = "share-note";
      note.className = "notice warn";
      note.setAttribute("role", "status");
      var main = document.querySelector("main");
      if (main) main.insertBefore(note, main.firstChild);
    }
    note.textContent = message;
  }

  function forgetShare() {
    if (window.caches) caches.delete(SHARE_CACHE).catch(function () {});
    if (history.replaceState) history.replaceState(null, "", location.pathname);
  }

  function takeShared(form) {
    if (!window.caches) return;
    caches.open(SHARE_CACHE).then(function (cache) {
      return cache.match("/share/meta").then(function (res) {
        if (!res) { shareNote("The shared video is no longer here. Pick it below."); return null; }
        return res.json().then(function (meta) {
          var title = $("title");
          var words = [meta.title, meta.text, meta.url].filter(Boolean).join(" ");
          if (title && !title.value && words) title.value = words.slice(0, 2200);
          var files = meta.files || [];
          var pick = files.filter(function (f) { return f.type.indexOf("video/") === 0; })[0] || files[0];
          if (!pick) { shareNote("The share brought no file. Pick the video below."); refresh(form); return null; }
          if (files.length > 1) shareNote("Cast took " + pick.name + "; the other " + (files.length - 1) + " shared file(s) were left out. Share them one at a time.");
          return cache.match(pick.key).then(function (fileRes) { return fileRes ? fileRes.blob() : null; }).then(function (blob) {
            if (!blob) { shareNote("The shared video is no longer here. Pick it below."); return; }
            // The same name, type and date each time, so a reload resumes the upload (tus fingerprint).
            var file = new File([blob], pick.name, { type: pick.type || blob.type, lastModified: pick.lastModified || 0 });
            try { var dt = new DataTransfer(); dt.items.add(file); $("video").files = dt.files; } catch (e) { /* the upload goes on without it */ }
            startUpload(form, file, forgetShare);
            refresh(form);
          });
        });
      });
    }).catch(function () { shareNote("The shared video could not be read. Pick it below."); });
  }

  // Said once per page, before any form exists (a share that reached the server, or no account).
  function shareNotes() {
    var s = shared();
    // A share left behind (its upload never finished) cannot be picked up any more: free the room.
    if (s === null) { if (window.caches) caches.delete(SHARE_CACHE).catch(function () {}); return; }
    if (s === "missed" || s === "failed") {
      shareNote(s === "missed"
        ? "The share reached Cast before Cast was set up on this phone. Pick the video below; sharing to Cast works straight away from now on."
        : "The shared video could not be kept on this phone (full storage?). Pick it below.");
      if (history.replaceState) history.replaceState(null, "", location.pathname);
    } else if (!$("post-form-area")) {
      shareNote("Connect an account first; then share the video to Cast again.");
    }
  }

  function bind(form) {
    if (!form || form.dataset.bound) return;
    form.dataset.bound = "1";
    $("tz-offset").value = String(-new Date().getTimezoneOffset());
    form.addEventListener("change", function (e) {
      if (e.target.id === "video" && e.target.files.length) startUpload(form, e.target.files[0]);
      refresh(form);
    });
    form.addEventListener("input", function () { refresh(form); });
    form.addEventListener("submit", function (e) { if ($("publish").disabled) e.preventDefault(); });
    refresh(form);
    if (/^\d+$/.test(shared() || "")) takeShared(form);
  }

  function init() { bind($("post-form")); }
  document.addEventListener("DOMContentLoaded", shareNotes);
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
