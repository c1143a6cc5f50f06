//! A file far above 100 MB passes a tunnel that refuses request bodies over 100 MB (Cloudflare's
//! free plan does), because the browser sends it to Cast in tus chunks below that.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::browser::browser;

const CAP: u64 = 100 * 1024 * 1024;

/// A loopback "tunnel" in front of Cast: one request per connection, 413 for bodies over `CAP`.
/// With `cut_after`, the first upload request (PATCH) loses its connection after that many body
/// bytes, as when a phone's connection drops.
/// Cast is started with `BASE_URL` set to the tunnel, as a real tunnel deployment is, so every
/// redirect (login, TikTok's consent, the callback) keeps the browser inside the tunnel.
async fn start_behind_tunnel(
    cut_after: Option<u64>,
) -> (
    crate::helpers::TestApp,
    u16,
    Arc<AtomicBool>,
    Arc<AtomicUsize>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let app =
        crate::helpers::spawn_live_app_with(&[("BASE_URL", &format!("http://127.0.0.1:{port}"))])
            .await;
    let upstream = app_port(&app);
    let cut = Arc::new(AtomicBool::new(cut_after.is_some()));
    let pending = cut.clone();
    let patches = Arc::new(AtomicUsize::new(0));
    let seen = patches.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(relay(
                client,
                upstream,
                cut.clone(),
                cut_after.unwrap_or(0),
                seen.clone(),
            ));
        }
    });
    (app, port, pending, patches)
}

async fn relay(
    mut client: TcpStream,
    upstream: u16,
    cut: Arc<AtomicBool>,
    cut_after: u64,
    patches: Arc<AtomicUsize>,
) {
    // Read the request head.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let length: u64 = text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    if length > CAP {
        let _ = client
            .write_all(
                b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        return;
    }
    // One request per connection keeps the relay simple: the server closes after answering.
    let rewritten: String = text
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:") && !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect::<String>()
        + "Connection: close\r\n\r\n";
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    if server.write_all(rewritten.as_bytes()).await.is_err() {
        return;
    }
    if text.starts_with("PATCH ") {
        patches.fetch_add(1, Ordering::SeqCst);
    }
    if text.starts_with("PATCH ") && cut.swap(false, Ordering::SeqCst) {
        let mut part = (&mut client).take(cut_after);
        let _ = tokio::io::copy(&mut part, &mut server).await;
        // Both sides just see the connection die.
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}

#[tokio::test]
async fn a_file_over_100_mb_passes_a_tunnel_that_caps_bodies_at_100_mb() {
    let Some(b) = browser().await else { return };
    let (app, tunnel, _, patches) = start_behind_tunnel(None).await;
    // The browser reaches Cast only through the tunnel.
    ready_via_tunnel(&b, &app, tunnel).await;
    let size: usize = 110 * 1024 * 1024;
    let data: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
    // It arrives whole (then the check says it is not a video, which is right for these bytes).
    let finished = upload_through_page(&b, &app, &data).await;
    let finished = finished.expect("the upload finished through the tunnel");
    // 110 MB in chunks under the cap: at least three PATCHes crossed this tunnel.
    assert!(
        patches.load(Ordering::SeqCst) >= 3,
        "the upload went through the tunnel in chunks"
    );
    assert_eq!(finished.size, size as u64);
    let got = std::fs::read(&finished.path).expect("stored file");
    assert!(got == data, "the bytes arrived whole and in order");
    b.close().await;
}

/// Through the tunnel: set up, log in and connect a sandbox creator, up to the posting form.
async fn ready_via_tunnel(
    b: &crate::helpers::browser::Browser,
    app: &crate::helpers::TestApp,
    tunnel: u16,
) {
    let token = app.setup_token.clone().expect("token");
    b.goto(&format!("http://127.0.0.1:{tunnel}/setup?token={token}"))
        .await;
    b.fill("#password", crate::helpers::PASSWORD).await;
    b.fill("#confirm", crate::helpers::PASSWORD).await;
    b.click("form[action='/setup'] button[type=submit]").await;
    b.wait_for("#connect-tiktok").await;
    b.click("#connect-tiktok").await;
    b.wait_for("#sandbox-consent").await;
    b.click("#authorize").await;
    b.wait_for("#t0-nickname").await;
}

/// Picks `data` as a video and waits until the browser reports its tus upload finished.
async fn upload_through_page(
    b: &crate::helpers::browser::Browser,
    app: &crate::helpers::TestApp,
    data: &[u8],
) -> Option<cast::tus::store::FinishedUpload> {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("clip.mp4");
    std::fs::write(&file, data).expect("write");
    b.wait_for("#video")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("pick");
    for _ in 0..600 {
        let id = b
            .execute("return document.getElementById('upload-id').value;")
            .await;
        // The id is there from the upload's start (Publish works while it uploads): done once
        // Cast has every byte.
        if let Some(id) = id.as_str().filter(|s| !s.is_empty())
            && let Some(done) = app.tus.finished(id).await.expect("db")
        {
            return Some(done);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    None
}

fn app_port(app: &crate::helpers::TestApp) -> u16 {
    app.address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port")
}

#[tokio::test]
async fn an_upload_cut_off_halfway_resumes_and_arrives_whole() {
    let Some(b) = browser().await else { return };
    let (app, tunnel, cut_pending, _) = start_behind_tunnel(Some(20 * 1024 * 1024)).await;
    ready_via_tunnel(&b, &app, tunnel).await;
    let size: usize = 45 * 1024 * 1024;
    let data: Vec<u8> = (0..size).map(|i| (i % 241) as u8).collect();
    let finished = upload_through_page(&b, &app, &data).await;
    let finished = finished.expect("the upload resumed and finished");
    assert!(
        !cut_pending.load(Ordering::SeqCst),
        "the connection really was cut mid-upload"
    );
    let got = std::fs::read(&finished.path).expect("stored file");
    assert_eq!(got.len(), size);
    assert!(
        got == data,
        "byte for byte, with no gap or repeat at the cut"
    );
    b.close().await;
}
