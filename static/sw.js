// Cast's service worker. It makes Cast installable ("Add to Home Screen") and receives videos
// shared from the phone (Web Share Target): the share's POST to /share is answered here, inside
// the phone. The files go into the Cache API and the posting screen (/?shared=N) takes them from
// there and uploads them over tus, resumable and in chunks, so no single large request crosses a
// tunnel. It caches no page and changes no other request: everything else goes to the network.
"use strict";

const SHARE_CACHE = "cast-share-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "POST") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname !== "/share") return;
  event.respondWith(receiveShare(request));
});

function text(value) {
  return typeof value === "string" ? value : "";
}

async function receiveShare(request) {
  try {
    const form = await request.formData();
    const files = form.getAll("media").filter((f) => typeof f === "object" && f && f.size > 0);
    const cache = await caches.open(SHARE_CACHE);
    // One share at a time: a new one replaces whatever an earlier share left.
    await Promise.all((await cache.keys()).map((key) => cache.delete(key)));
    const meta = {
      title: text(form.get("title")),
      text: text(form.get("text")),
      url: text(form.get("url")),
      files: [],
    };
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const key = "/share/file/" + i;
      await cache.put(key, new Response(f, { headers: { "Content-Type": f.type || "application/octet-stream" } }));
      meta.files.push({ key: key, name: f.name || "shared-" + i, type: f.type || "", size: f.size, lastModified: f.lastModified || 0 });
    }
    await cache.put("/share/meta", new Response(JSON.stringify(meta), { headers: { "Content-Type": "application/json" } }));
    return Response.redirect("/?shared=" + files.length, 303);
  } catch (e) {
    // Unreadable form or no room on the phone: the posting screen says to pick the video there.
    return Response.redirect("/?shared=failed", 303);
  }
}
