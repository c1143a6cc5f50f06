// The posting screen's Photos mode: a TikTok carousel of 1 to 35 JPEG or WebP images, with
// thumbnails and the cover picked among them. Switching modes turns the video's parts off (so
// none of its fields is sent), leaves only TikTok accounts tickable, hides Duet and Stitch
// (they do not apply to photos) and sends the form to /post/photos as multipart. post.js asks
// CastPhotos whether the photos are ready; the server checks every image again, by its bytes.
(function () {
  "use strict";
  var MAX_IMAGES = 35;
  var MAX_BYTES = 20 * 1000 * 1000; // TikTok's limit per image, as Cast checks it (decimal)
  var TUNNEL_BYTES = 95 * 1000 * 1000; // a free Cloudflare tunnel refuses requests over 100 MB
  var TITLE_MAX = { video: 2200, photos: 90 };
  var PLACEHOLDER = {
    video: "Say something about this video. #hashtags and @mentions work.",
    photos: "A short title for the photos (TikTok shows up to 90 characters)."
  };
  var shown = []; // object URLs of the thumbnails, freed when the pick changes

  function $(id) { return document.getElementById(id); }
  function mb(n) { return (n / 1e6).toFixed(1) + " MB"; }
  function mode(form) { var r = form.querySelector('input[name="kind"]:checked'); return r ? r.value : "video"; }
  function files() { var input = $("photos"); return input ? Array.prototype.slice.call(input.files || []) : []; }

  // What is wrong with the picked images, in words the owner can act on.
  function problems(list) {
    var out = [];
    if (list.length > MAX_IMAGES) out.push("A TikTok carousel takes at most " + MAX_IMAGES + " images; you picked " + list.length + ". Leave some out, or make two posts.");
    list.forEach(function (f, i) {
      var name = "Image " + (i + 1) + " (" + f.name + ")";
      if (f.type !== "image/jpeg" && f.type !== "image/webp") out.push(name + " is not a JPEG or WebP image: TikTok takes only those. Export it as JPEG and pick it again.");
      else if (f.size > MAX_BYTES) out.push(name + " is " + mb(f.size) + "; TikTok takes at most 20 MB per image. Export it smaller.");
    });
    return out;
  }

  function titleLength() { var t = $("title"); return t ? (t.value.match(/[\s\S]/gu) || []).length : 0; }
  function total(list) { return list.reduce(function (n, f) { return n + f.size; }, 0); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // Thumbnails in the order picked, each with its "Cover" choice (the first by default).
  function render() {
    var box = $("photo-list"), said = $("photo-problems");
    if (!box || !said) return;
    shown.forEach(function (u) { URL.revokeObjectURL(u); });
    shown = [];
    box.textContent = "";
    var list = files();
    list.slice(0, MAX_IMAGES).forEach(function (f, i) {
      var fig = document.createElement("figure");
      fig.className = "photo" + (i === 0 ? " cover" : "");
      var img = document.createElement("img");
      var url = URL.createObjectURL(f);
      shown.push(url);
      img.src = url;
      img.alt = "Image " + (i + 1);
      var label = document.createElement("label");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "photo_cover_index";
      radio.value = String(i);
      radio.checked = i === 0;
      label.appendChild(radio);
      label.appendChild(document.createTextNode(" Cover"));
      fig.appendChild(img);
      fig.appendChild(label);
      box.appendChild(fig);
    });
    said.textContent = "";
    problems(list).forEach(function (p) {
      var line = document.createElement("p");
      line.className = "error";
      line.textContent = p;
      said.appendChild(line);
    });
    if (total(list) > TUNNEL_BYTES) {
      var warn = document.createElement("p");
      warn.className = "muted tunnel-warning";
      warn.textContent = "Together these are " + mb(total(list)) + ", sent in one go: a free Cloudflare tunnel refuses more than 100 MB at once. At home on your own network it is fine; through a tunnel, post fewer at a time.";
      said.appendChild(warn);
    }
    // A new pick is a new post: a second press of Publish for it stays the same post.
    if ($("photos-key")) $("photos-key").value = list.length ? newKey() : "";
  }

  function markCover() {
    document.querySelectorAll("#photo-list figure").forEach(function (fig) {
      var r = fig.querySelector("input");
      fig.classList.toggle("cover", !!(r && r.checked));
    });
  }

  // Turns the form to one mode: which parts are sent, which accounts can be ticked, where it goes.
  function apply(form) {
    var photos = mode(form) === "photos";
    var video = $("video-part");
    video.hidden = photos;
    video.disabled = photos;
    [$("photos-part"), $("photos-text")].forEach(function (part) {
      part.hidden = !photos;
      part.disabled = !photos;
    });
    form.querySelectorAll(".target").forEach(function (t) {
      var pick = t.querySelector('input[name="target"]');
      if (!pick || t.dataset.platform === "tiktok") return;
      if (pick.dataset.inactive === undefined) pick.dataset.inactive = pick.disabled ? "1" : "0";
      if (photos && pick.checked) pick.checked = false;
      pick.disabled = photos || pick.dataset.inactive === "1";
      var note = t.querySelector(".photos-only-tiktok");
      if (note) note.hidden = !photos;
    });
    form.querySelectorAll(".tiktok-options .video-only").forEach(function (el) { el.hidden = photos; });
    var max = TITLE_MAX[photos ? "photos" : "video"];
    $("title").maxLength = max;
    $("title").placeholder = PLACEHOLDER[photos ? "photos" : "video"];
    $("title-max").textContent = String(max);
    var to = photos ? "/post/photos" : "/post";
    if (form.getAttribute("hx-post") !== to) {
      form.setAttribute("hx-post", to);
      form.setAttribute("action", to);
      if (photos) { form.setAttribute("hx-encoding", "multipart/form-data"); form.enctype = "multipart/form-data"; }
      else { form.removeAttribute("hx-encoding"); form.enctype = "application/x-www-form-urlencoded"; }
      htmx.process(form);
    }
  }

  window.CastPhotos = {
    // Whether the form is in Photos mode.
    on: function (form) { return mode(form) === "photos"; },
    // Photos mode's own part of "may Publish": the prefix is set up and the pick is good.
    ready: function () {
      var list = files();
      return !!$("photos") && list.length > 0 && problems(list).length === 0 && titleLength() <= TITLE_MAX.photos;
    },
    why: function () {
      if (!$("photos")) return "Set up TikTok's URL prefix first (the steps are above).";
      if (!files().length) return "Pick 1 to " + MAX_IMAGES + " images.";
      var n = titleLength();
      // maxlength stops typing past the limit, not a title written before the switch.
      if (n > TITLE_MAX.photos) return "Shorten the title to " + TITLE_MAX.photos + " characters for photos (it has " + n + ").";
      return "";
    },
    apply: apply
  };

  document.addEventListener("change", function (e) {
    var form = e.target.form;
    if (!form || form.id !== "post-form") return;
    if (e.target.id === "photos") render();
    if (e.target.name === "photo_cover_index") markCover();
    if (e.target.name === "kind") apply(form);
  }, true);
  document.addEventListener("input", function (e) {
    if (e.target.id !== "description") return;
    $("description-count").textContent = String((e.target.value.match(/[\s\S]/g) || []).length);
  });
})();
