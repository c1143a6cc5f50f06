//! Cast on the phone in a real browser: installable (manifest, icons, service worker), and a
//! video shared from the gallery landing on the posting screen, uploading over tus.

use super::posting::{fixture, hex_sha256, ready_to_post, wait_for_text};
use crate::helpers::browser::{Browser, browser, set_up_and_log_in};
use crate::helpers::spawn_live_app_with;

/// Waits for the page's service worker to reach `activated`; returns its state and scope.
async fn service_worker_activated(b: &Browser) -> serde_json::Value {
    b.execute_async(
        r#"const done = arguments[arguments.length - 1];
        navigator.serviceWorker.ready.then(function (reg) {
          const w = reg.active;
          const report = function () { done({ state: w.state, scope: reg.scope }); };
          if (w.state === "activated") return report();
          w.addEventListener("statechange", function () { if (w.state === "activated") report(); });
        }).catch(function (e) { done({ state: "error: " + e }); });"#,
    )
    .await
}

async fn controller(b: &Browser) -> serde_json::Value {
    b.execute(
        "return navigator.serviceWorker.controller ? navigator.serviceWorker.controller.scriptURL : null;",
    )
    .await
}

#[tokio::test]
async fn cast_installs_on_the_phone_with_its_manifest_icons_and_service_worker() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;
    set_up_and_log_in(&b, &app).await;

    let sw = service_worker_activated(&b).await;
    assert_eq!(sw["state"], "activated", "{sw}");
    assert_eq!(sw["scope"], app.url("/"), "the worker covers all of Cast");
    b.goto(&app.url("/")).await;
    b.wait_for("#connect-tiktok").await;
    assert_eq!(
        controller(&b).await,
        app.url("/sw.js"),
        "the reloaded page is controlled"
    );

    // The manifest the page links, as the browser reads it, and every icon it names.
    let manifest = b
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            const href = document.querySelector('link[rel="manifest"]').href;
            fetch(href).then(function (r) { return r.json(); }).then(function (m) {
              return Promise.all(m.icons.map(function (icon) {
                return new Promise(function (ok) {
                  const img = new Image();
                  img.onload = function () { ok(img.naturalWidth + "x" + img.naturalHeight); };
                  img.onerror = function () { ok("broken " + icon.src); };
                  img.src = icon.src;
                });
              })).then(function (sizes) { done({ manifest: m, loaded: sizes }); });
            }).catch(function (e) { done({ error: String(e) }); });"#,
        )
        .await;
    assert_eq!(manifest["manifest"]["display"], "standalone", "{manifest}");
    assert_eq!(manifest["manifest"]["share_target"]["action"], "/share");
    assert_eq!(
        manifest["loaded"],
        serde_json::json!(["192x192", "512x512", "512x512"])
    );

    // A share that reached the server (no worker yet at the time) says what to do.
    b.goto(&app.url("/?shared=missed")).await;
    let note = b.text_of("#share-note").await;
    assert!(note.contains("Pick the video below"), "{note}");
    b.close().await;
}

#[tokio::test]
async fn a_video_shared_from_the_gallery_lands_on_the_posting_screen_uploading_then_publishable() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;
    ready_to_post(&b, &app).await;
    assert_eq!(service_worker_activated(&b).await["state"], "activated");
    b.goto(&app.url("/")).await;
    b.wait_for("#t0-nickname").await;
    assert!(controller(&b).await.is_string(), "controlled after reload");

    // Android's share sheet: a multipart POST to the share target with the file as `media`.
    // The gallery is a file input outside Cast's form.
    b.execute(
        "const i = document.createElement('input'); i.type = 'file'; i.id = 'gallery'; document.body.appendChild(i);",
    )
    .await;
    b.wait_for("#gallery")
        .await
        .send_keys(&fixture("ok.mp4"))
        .await
        .expect("pick from the gallery");
    let landed = b
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            const form = new FormData();
            form.append("title", "");
            form.append("text", "Sunset at the beach #cast");
            form.append("media", document.getElementById("gallery").files[0], "VID_20261201_183000.mp4");
            fetch("/share", { method: "POST", body: form })
              .then(function (r) { done(r.url); })
              .catch(function (e) { done("error: " + e); });"#,
        )
        .await;
    let landed = landed.as_str().expect("a URL").to_string();
    assert_eq!(
        landed,
        app.url("/?shared=1"),
        "the service worker took the share (the server would answer ?shared=missed)"
    );

    b.goto(&landed).await;
    b.wait_for("#t0-nickname").await;
    wait_for_text(&b, "#video-check", "TikTok will take this video").await;
    let picked = b
        .execute(
            "return { id: document.getElementById('upload-id').value, \
                      name: document.getElementById('video').files[0].name, \
                      title: document.getElementById('title').value, \
                      search: location.search };",
        )
        .await;
    assert!(
        picked["id"].as_str().is_some_and(|id| !id.is_empty()),
        "uploaded over tus: {picked}"
    );
    assert_eq!(picked["name"], "VID_20261201_183000.mp4");
    assert_eq!(picked["title"], "Sunset at the beach #cast");
    assert_eq!(
        picked["search"], "",
        "a reload does not take the share twice"
    );

    b.execute("var s = document.getElementById('t0-privacy'); s.value = 'SELF_ONLY'; s.dispatchEvent(new Event('change', {bubbles: true}));").await;
    assert!(
        b.wait_for("#publish")
            .await
            .is_enabled()
            .await
            .expect("enabled?"),
        "publishable"
    );
    b.click("#publish").await;
    wait_for_text(&b, ".status-headline", "Published").await;

    let token = app.api_token("check");
    let posts: serde_json::Value = reqwest::Client::new()
        .get(app.url("/sandbox/tiktok/_/posts"))
        .bearer_auth(token)
        .send()
        .await
        .expect("posts")
        .json()
        .await
        .expect("json");
    let sha = hex_sha256(&std::fs::read(fixture("ok.mp4")).expect("fixture"));
    assert!(
        posts
            .as_array()
            .expect("list")
            .iter()
            .any(|p| p["sha256"] == sha.as_str()),
        "the shared bytes reached TikTok unchanged: {posts}"
    );
    b.close().await;
}
