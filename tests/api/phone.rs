//! Cast on the phone, server side: the manifest, icons and service worker anyone's browser can
//! fetch, and a share that reaches the server because no service worker was there to take it.

use crate::helpers::{TestApp, location, spawn_app};

const BOUNDARY: &str = "----WebKitFormBoundaryCastShare7b1";

/// What Android's share sheet posts to a share target: multipart with the file as `media`.
async fn share(app: &TestApp, video_bytes: usize) -> reqwest::Response {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"VID_20261201.mp4\"\r\n\
         Content-Type: video/mp4\r\n\r\n"
    )
    .into_bytes();
    body.resize(body.len() + video_bytes, 0);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    app.client
        .post(app.url("/share"))
        .header("accept", "text/html")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .expect("share")
}

#[tokio::test]
async fn the_manifest_icons_and_service_worker_load_without_logging_in() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();
    let res = anonymous
        .get(app.url("/manifest.webmanifest"))
        .send()
        .await
        .expect("manifest");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/manifest+json");
    let manifest: serde_json::Value = res.json().await.expect("json");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/");
    let share = &manifest["share_target"];
    assert_eq!(share["action"], "/share");
    assert_eq!(share["method"], "POST");
    assert_eq!(share["enctype"], "multipart/form-data");
    assert_eq!(
        share["params"]["files"][0]["accept"],
        serde_json::json!(["video/*", "image/*"])
    );
    let icons = manifest["icons"].as_array().expect("icons");
    assert!(icons.iter().any(|i| i["purpose"] == "maskable"));
    for icon in icons {
        let res = anonymous
            .get(app.url(icon["src"].as_str().expect("src")))
            .send()
            .await
            .expect("icon");
        assert_eq!(res.status(), 200, "{icon}");
        assert_eq!(res.headers()["content-type"], "image/png");
        let png = res.bytes().await.expect("bytes");
        // The PNG header's width: 192 or 512, as the manifest says.
        let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        let size = icon["sizes"].as_str().expect("sizes");
        assert_eq!(format!("{width}x{width}"), size);
    }
    let sw = anonymous.get(app.url("/sw.js")).send().await.expect("sw");
    assert_eq!(sw.status(), 200);
    assert!(
        sw.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/javascript")
    );
    let csp = sw.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        csp.contains("worker-src 'self'") && csp.contains("manifest-src 'self'"),
        "{csp}"
    );
    assert!(sw.text().await.expect("body").contains("/share"));
}

#[tokio::test]
async fn every_page_links_the_manifest() {
    let app = spawn_app().await;
    let page = app.get_text("/login").await;
    assert!(page.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#));
}

#[tokio::test]
async fn a_share_without_the_service_worker_lands_on_the_posting_screen_with_advice() {
    let app = spawn_app().await;
    app.logged_in().await;
    let res = share(&app, 1_000_000).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/?shared=missed");
}

#[tokio::test]
async fn a_large_share_without_the_service_worker_is_refused_with_what_to_do() {
    let app = spawn_app().await;
    app.logged_in().await;
    let res = share(&app, 40 * 1024 * 1024).await;
    assert_eq!(res.status(), 413);
    let page = res.text().await.expect("page");
    assert!(page.contains("pick the video on the posting"), "{page}");
    // Nothing of it was kept, and Cast carries on.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_share_from_someone_not_logged_in_asks_for_the_login() {
    let app = spawn_app().await;
    let res = share(&app, 1000).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=%2Fshare");
}
