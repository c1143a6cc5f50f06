//! A file far above 100 MB passes a tunnel that refuses request bodies over 100 MB (Cloudflare's
//! free plan does), because the browser sends it to Cast in tus chunks below that.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::browser::browser;

const CAP: u64 = 100 * 1024 * 1024;

/// What the tunnel does to the first upload request (PATCH) it carries.
#[derive(Clone)]
enum FirstPatch {
    Pass,
    /// Its connection dies after this many body bytes, as when a phone's connection drops.
    Cut(u64),
    /// It pauses after this many body bytes until the test lets it go on, as a slow phone
    /// uplink would leave an upload part-way for a while.
    Hold(u64, Arc<Held>),
}

/// The two moments of a held upload.
#[derive(Default)]
struct Held {
    reached: tokio::sync::Notify,
    release: tokio::sync::Notify,
}

/// A loopback "tunnel" in front of Cast: one request per connection, 413 for bodies over `CAP`,
/// and the first PATCH as `first` says.
/// Cast is started with `BASE_URL` set to the tunnel, as a real tunnel deployment is, so every
/// redirect (login, TikTok's consent, the callback) keeps the browser inside the tunnel.
async fn start_behind_tunnel(
    first: FirstPatch,
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
    let cut = Arc::new(AtomicBool::new(!matches!(first, FirstPatch::Pass)));
    let pending = cut.clone();
    let patches = Arc::new(AtomicUsize::new(0));
    let seen = patches.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(relay(
                client,
                upstream,
                cut.clone(),
                first.clone(),
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
    first: FirstPatch,
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
        match first {
            FirstPatch::Pass => {}
            FirstPatch::Cut(after) => {
                let mut part = (&mut client).take(after);
                let _ = tokio::io::copy(&mut part, &mut server).await;
                // Both sides just see the connection die.
                return;
            }
            FirstPatch::Hold(after, held) => {
                let mut part = (&mut client).take(after);
                let _ = tokio::io::copy(&mut part, &mut server).await;
                held.reached.notify_one();
                held.release.notified().await;
            }
        }
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}

#[tokio::test]
async fn a_file_over_100_mb_passes_a_tunnel_that_caps_bodies_at_100_mb() {
    let Some(b) = browser().await else { return };
    let (app, tunnel, _, patches) = start_behind_tunnel(FirstPatch::Pass).await;
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
    let (app, tunnel, cut_pending, _) =
        start_behind_tunnel(FirstPatch::Cut(20 * 1024 * 1024)).await;
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

#[tokio::test]
async fn publish_pressed_at_30_percent_of_the_upload_publishes_the_whole_video_once_it_arrives() {
    let Some(b) = browser().await else { return };
    let dir = tempfile::tempdir().expect("dir");
    let size: u64 = 20_000_000;
    let video = crate::helpers::posts::padded_mp4(dir.path(), size);
    let held = Arc::new(Held::default());
    let (app, tunnel, _, _) =
        start_behind_tunnel(FirstPatch::Hold(size * 3 / 10, held.clone())).await;
    ready_via_tunnel(&b, &app, tunnel).await;
    b.wait_for("#video")
        .await
        .send_keys(&video.display().to_string())
        .await
        .expect("pick");
    tokio::time::timeout(std::time::Duration::from_secs(30), held.reached.notified())
        .await
        .expect("the upload reached 30% at the tunnel");

    // The phone is stuck at 30%: the owner fills the form and presses Publish now.
    b.execute("var s = document.getElementById('t0-privacy'); s.value = 'SELF_ONLY'; s.dispatchEvent(new Event('change', {bubbles: true}));").await;
    b.fill("#title", "Posted while it uploads").await;
    b.wait_until("!document.getElementById('publish').disabled")
        .await;
    b.click("#publish").await;
    // The screen says it is posted and stays to finish the upload; the post opens after.
    super::posting::wait_for_text(
        &b,
        "#post-form",
        "Posted. Cast sends the video on as it arrives",
    )
    .await;
    let (check, received): (String, i64) = sqlx::query_as(
        "SELECT p.check_state, u.received FROM posts p JOIN tus_uploads u ON u.id = p.browser_upload_id",
    )
    .fetch_one(&app.db)
    .await
    .expect("the post, made before its upload ended");
    assert_eq!(check, "pending", "its video is checked when it has arrived");
    assert!((received as u64) < size, "{received} of {size} bytes in");

    held.release.notify_one();
    super::posting::wait_for_text(&b, ".status-headline", "Published").await;
    assert!(b.path().await.starts_with("/posts/"), "the post opened");
    let posts = super::posting::listing_in_browser(&b, &app, "tiktok").await;
    assert_eq!(posts.len(), 1, "published once: {posts:?}");
    let sent = std::fs::read(&video).expect("video");
    assert_eq!(
        posts[0]["sha256"],
        super::posting::hex_sha256(&sent),
        "the same bytes"
    );
    b.close().await;
}
