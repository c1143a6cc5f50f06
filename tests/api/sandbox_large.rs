//! A 1 GiB upload in 64,000,000-byte chunks keeps the server's memory flat: chunks are written to
//! disk as they stream. Slow (it writes and hashes 1 GiB), so run it on demand:
//! `cargo test --test api sandbox_large -- --ignored`.

use bytes::Bytes;
use futures_util::stream;

use crate::helpers::sandbox::*;

const GIB: u64 = 1 << 30;
const CHUNK: u64 = 64_000_000;

/// The peak resident set of this process (the server runs inside it), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    line.split_whitespace()
        .nth(1)
        .and_then(|kb| kb.parse::<u64>().ok())
        .expect("kB")
        * 1024
}

/// A body of `len` bytes made of one shared 64 KiB block, so the client holds no chunk either.
fn streamed(len: u64) -> reqwest::Body {
    let block = Bytes::from(garbage(64 * 1024, 7));
    let full = len / block.len() as u64;
    let rest = (len % block.len() as u64) as usize;
    let parts = (0..full)
        .map(move |_| block.clone())
        .chain((rest > 0).then(|| Bytes::from(garbage(rest as u64, 7))));
    reqwest::Body::wrap_stream(stream::iter(parts.map(Ok::<Bytes, std::io::Error>)))
}

#[tokio::test]
#[ignore = "writes 1 GiB; run on demand"]
async fn a_one_gib_upload_keeps_memory_flat() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "big").await;
    let count = GIB / CHUNK;
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(GIB, CHUNK, count),
    )
    .await;
    let (publish_id, url) = accepted(status, &body);
    // Reset the high-water mark now that the server is up (Linux: clear_refs 5).
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    let before = peak_rss();
    let client = reqwest::Client::new();
    for i in 0..count {
        let first = i * CHUNK;
        let last = if i + 1 == count {
            GIB - 1
        } else {
            first + CHUNK - 1
        };
        let res = client
            .put(&url)
            .header("Content-Type", "video/mp4")
            .header("Content-Length", (last - first + 1).to_string())
            .header("Content-Range", format!("bytes {first}-{last}/{GIB}"))
            .body(streamed(last - first + 1))
            .send()
            .await
            .expect("chunk");
        let want = if i + 1 == count { 201 } else { 206 };
        assert_eq!(res.status().as_u16(), want, "chunk {i}");
    }
    let grown = peak_rss().saturating_sub(before);
    eprintln!(
        "peak RSS grew by {} MB over a 1 GiB upload",
        grown / 1_000_000
    );
    assert!(
        grown < 64_000_000,
        "the peak RSS grew by {grown} bytes: a chunk was held in memory"
    );
    let path = app.data_path().join("sandbox");
    let stored: u64 = std::fs::read_dir(&path)
        .expect("dir")
        .map(|e| e.expect("entry").metadata().expect("meta").len())
        .sum();
    assert_eq!(stored, GIB);
    let t = std::time::Instant::now();
    let data = wait_final(&app, &c.access_token, &publish_id).await;
    eprintln!("final {data} after {:?}", t.elapsed());
}
