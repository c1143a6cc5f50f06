// The posting screen: picks the video once, uploads it to Cast over tus (resumable), previews
// it, and keeps each ticked account's options block in line with its platform's rules (TikTok's
// Direct Post rules, per account). The server enforces every rule again.
(function () {
  "use strict";
  var CHUNK = 50 * 1024 * 1024; // under the 100 MB request cap of free Cloudflare tunnels
  var current = null; // the running tus upload
  var uploadDone = false; // Cast has the whole file
  var afterUpload = null; // the post's page, once a post made during the upload is accepted

  function $(id) { return document.getElementById(id); }
  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; }
  function fmtBytes(n) { return n > 1e9 ? (n / 1e9).toFixed(2) + " GB" : (n / 1e6).toFixed(1) + " MB"; }
  function fmtTime(s) { s = Math.round(s); return s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s"; }
  function when(form) { var r = form.querySelector('input[name="when"]:checked'); return r ? r.value : "now"; }
  function q(el, sel) { return el.querySelector(sel); }

  // The ticked targets' slots.
  function ticked(form) {
    return Array.prototype.map.call(form.querySelectorAll('input[name="target"]:checked'), function (c) { return c.value; });
  }

  // One TikTok options block: its TikTok rules, and whether it is ready to post.
  function refreshTikTok(block) {
    var commercial = q(block, ".commercial").checked;
    var organic = q(block, ".brand-organic"), branded = q(block, ".brand-content");
    var privacy = q(block, ".privacy-level");
    var inbox = q(block, ".mode-inbox").checked;
    q(block, ".commercial-options").hidden = !commercial;
    if (!commercial) { organic.checked = false; branded.checked = false; }
    var selfOnly = privacy.querySelector('option[value="SELF_ONLY"]');
    if (selfOnly) selfOnly.disabled = branded.checked || selfOnly.dataset.lock === "1";
    branded.disabled = privacy.value === "SELF_ONLY";
    q(block, ".branded-private-hint").hidden = !(branded.checked || privacy.value === "SELF_ONLY") || !commercial;
    var needsChoice = commercial && !organic.checked && !branded.checked;
    q(block, ".commercial-hint").hidden = !needsChoice;
    q(block, ".consent-plain").hidden = branded.checked;
    q(block, ".consent-branded").hidden = !branded.checked;
    q(block, ".inbox-note").hidden = !inbox;
    privacy.required = !inbox;
    return {
      ready: !needsChoice && (inbox || privacy.value !== ""),
      inbox: inbox,
      why: needsChoice ? "You need to indicate if your content promotes yourself, a third party, or both." : ""
    };
  }

  // One YouTube options block: ready once the owner answered who can watch, made for kids and
  // altered content (YouTube needs each, and Cast never guesses them).
  function refreshYouTube(block) {
    var answered = ["privacy_status", "made_for_kids", "synthetic_media"].every(function (n) {
      return block.querySelector('input[name$="_' + n + '"]:checked') !== null;
    });
    return { ready: answered, why: answered ? "" : "Answer YouTube's questions: who can watch, made for kids, and altered or synthetic content." };
  }

  // Whether YouTube will make the picked video a Short: Cast's check of the uploaded file says
  // it (server-rendered in #video-check); each YouTube block repeats it beside its options.
  function shortVerdict(form) {
    var said = $("video-check").querySelector('.advice[data-platform="youtube"]');
    if (!said) return;
    form.querySelectorAll(".youtube-options .short-verdict").forEach(function (p) { p.textContent = said.textContent; });
  }

  // The cover slider: the preview follows it; once it rests, the frame is kept (its time for
  // TikTok and Instagram, the frame itself for YouTube, drawn on a canvas and sent to Cast).
  var coverPending = 0; // a frame being sent: Publish waits for it
  function coverReady(v) {
    var slider = $("cover");
    if (!slider || !v.duration || !isFinite(v.duration)) return;
    slider.max = String(Math.max(0, Math.floor(v.duration * 1000) - 1));
    $("cover-pick").hidden = false;
  }
  function seekTo(v, ms, then) {
    var t = ms / 1000;
    if (Math.abs(v.currentTime - t) < 0.0005 && v.readyState >= 2) { then(); return; }
    var done = function () { v.removeEventListener("seeked", done); then(); };
    v.addEventListener("seeked", done);
    v.pause();
    v.currentTime = t;
  }
  function frameJpeg(v, quality, then) {
    var canvas = document.createElement("canvas");
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext("2d").drawImage(v, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(function (blob) {
      // YouTube takes at most 2 MB: a busy frame is drawn again, coarser.
      if (blob && blob.size > 2 * 1024 * 1024 && quality > 0.4) { frameJpeg(v, quality - 0.2, then); return; }
      then(blob);
    }, "image/jpeg", quality);
  }
  function pickCover(form) {
    var v = $("preview"), ms = parseInt($("cover").value, 10) || 0;
    $("thumb-offset").value = String(ms);
    $("cover-image").value = "";
    var mine = ++coverPending;
    refresh(form);
    seekTo(v, ms, function () {
      frameJpeg(v, 0.85, function (blob) {
        if (!blob) { coverPending = 0; refresh(form); return; }
        fetch("/post/cover", { method: "POST", headers: { "Content-Type": "image/jpeg", "X-CSRF-Token": csrf() }, body: blob, credentials: "same-origin" })
          .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
          .then(function (answer) {
            if (mine !== coverPending) return; // a later frame was picked meanwhile
            $("cover-image").value = answer.cover;
            $("cover-note").textContent = "Cover picked at " + (ms / 1000).toFixed(1) + " s.";
          })
          .catch(function () { $("cover-note").textContent = "Cast could not keep this frame; YouTube will pick its own thumbnail. Slide again to retry."; })
          .then(function () { if (mine === coverPending) { coverPending = 0; refresh(form); } });
      });
    });
  }

  // Recomputes everything that depends on the form's state: each ticked block's rules, the
  // publish button and its explanation.
  function refresh(form) {
    var photos = !!window.CastPhotos && CastPhotos.on(form);
    if (window.CastPhotos) CastPhotos.apply(form);
    var slots = ticked(form);
    var ready = slots.length > 0, allInbox = slots.length > 0, why = "";
    form.querySelectorAll(".target-options").forEach(function (box) {
      var on = slots.indexOf(box.dataset.slot) >= 0;
      box.hidden = !on;
      if (!on) return;
      var youtube = q(box, ".youtube-options");
      if (youtube) {
        var y = refreshYouTube(youtube);
        ready = ready && y.ready;
        allInbox = false;
        if (y.why) why = y.why;
        return;
      }
      // Instagram asks nothing without a default: its block is always ready.
      if (q(box, ".instagram-options")) { allInbox = false; return; }
      var tiktok = q(box, ".tiktok-options");
      if (!tiktok) { ready = false; allInbox = false; return; }
      var r = refreshTikTok(tiktok);
      ready = ready && r.ready;
      allInbox = allInbox && r.inbox;
      if (r.why) why = r.why;
    });
    $("publish_at").hidden = when(form) !== "schedule";
    $("publish_at").required = when(form) === "schedule";
    var check = $("video-check").querySelector("[data-ok]");
    var uploaded = $("upload-id").value !== "" && check && check.dataset.ok === "true";
    // Publish while it uploads: Cast sends what has arrived and checks the video at its end.
    var arriving = !uploadDone && current !== null && $("upload-id").value !== "" && afterUpload === null;
    var media = photos ? CastPhotos.ready() : (uploaded || arriving) && !coverPending;
    if (photos && !why) why = CastPhotos.why();
    var ok = media && ready && (when(form) !== "schedule" || $("publish_at").value !== "");
    var button = $("publish");
    button.disabled = !ok;
    button.textContent = when(form) === "schedule" ? "Schedule" : (allInbox ? "Send to TikTok inbox" : "Publish");
    button.title = why;
    shortVerdict(form);
    $("title-count").textContent = String(($("title").value.match(/[\s\S]/g) || []).length);
  }

  // Loads a ticked account's options block (its platform's facts, fetched now).
  function load(box, form) {
    if (box.dataset.loaded || !box.dataset.src) return;
    box.dataset.loaded = "1";
    box.innerHTML = '<p class="muted" aria-busy="true">Asking what this account may post…</p>';
    htmx.ajax("GET", box.dataset.src, { target: box, swap: "innerHTML" }).then(function () { refresh(form); });
  }

  // Asks Cast whether each ticked account's platform takes the uploaded video.
  function check(form) {
    var id = $("upload-id").value;
    if (!id || !uploadDone) return;
    var params = "upload_id=" + encodeURIComponent(id);
    ticked(form).forEach(function (slot) {
      var account = form.querySelector('input[name="account_' + slot + '"]');
      if (account) params += "&account=" + encodeURIComponent(account.value);
    });
    htmx.ajax("GET", "/post/check?" + params, { target: "#video-check", swap: "innerHTML" })
      .then(function () { refresh(form); });
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
    uploadDone = false;
    afterUpload = null;
    $("upload-id").value = "";
    $("video-check").innerHTML = "";
    var preview = $("preview");
    preview.src = URL.createObjectURL(file);
    preview.onloadedmetadata = function () { coverReady(preview); refresh(form); };
    if ($("cover-pick")) {
      $("cover-pick").hidden = true;
      $("cover").value = "0";
      $("thumb-offset").value = "";
      $("cover-image").value = "";
    }
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
      onUploadUrlAvailable: function () {
        $("upload-id").value = upload.url.split("/").filter(Boolean).pop();
        refresh(form);
      },
      onError: function (err) {
        $("upload-text").textContent = "The upload stopped: " + (err && err.message ? err.message.split("\n")[0] : "unknown error") +
          ". Pick the same file again to resume where it stopped.";
      },
      onSuccess: function () {
        var id = upload.url.split("/").filter(Boolean).pop();
        uploadDone = true;
        if (uploaded) uploaded();
        $("upload-id").value = id;
        if (afterUpload) { location.assign(afterUpload); return; }
        $("upload-text").textContent = "Uploaded to Cast. Checking the video against each platform's rules…";
        check(form);
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
    } else if (!$("post-form")) {
      shareNote("Connect an account first; then share the video to Cast again.");
    }
  }

  function bind(form) {
    if (!form || form.dataset.bound) return;
    form.dataset.bound = "1";
    $("tz-offset").value = String(-new Date().getTimezoneOffset());
    form.addEventListener("change", function (e) {
      if (e.target.id === "video" && e.target.files.length) startUpload(form, e.target.files[0]);
      if (e.target.id === "cover") { pickCover(form); return; }
      if (e.target.name === "target") {
        var box = $("target-" + e.target.value);
        if (e.target.checked && box) load(box, form);
        check(form);
      }
      refresh(form);
    });
    form.addEventListener("input", function (e) {
      if (e.target.id === "cover") {
        var ms = parseInt(e.target.value, 10) || 0;
        $("cover-at").textContent = (ms / 1000).toFixed(1) + " s";
        $("preview").pause();
        $("preview").currentTime = ms / 1000;
      }
      refresh(form);
    });
    form.addEventListener("submit", function (e) { if ($("publish").disabled) e.preventDefault(); });
    // A post made while the video uploads: leaving now would stop the upload, so the page
    // stays until the last byte is in, then opens the post.
    form.addEventListener("htmx:beforeOnLoad", function (e) {
      var xhr = e.detail.xhr, to = xhr && xhr.getResponseHeader("HX-Redirect");
      if (uploadDone || !current || !to || xhr.status >= 300 || (window.CastPhotos && CastPhotos.on(form))) return;
      e.preventDefault();
      afterUpload = to;
      $("upload-text").textContent = "Posted. Cast sends the video on as it arrives and publishes it once it is whole and checked. Keep this page open until the upload ends; the post opens then.";
      refresh(form);
    });
    refresh(form);
    if (/^\d+$/.test(shared() || "")) takeShared(form);
  }

  function init() {
    var form = $("post-form");
    bind(form);
    if (form) refresh(form);
  }
  document.addEventListener("DOMContentLoaded", shareNotes);
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
