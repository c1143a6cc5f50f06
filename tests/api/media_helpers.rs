//! Cast with a test clock for media-link tests, and videos Instagram's rules accept.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cast::clock::Clock;
use cast::links::{LinkName, LinkedFile, Links, PublicLink};
use cast::{Application, Config, Runtime};

pub struct Cast {
    pub address: String,
    pub links: Links,
    pub clock: Clock,
    pub dir: Arc<tempfile::TempDir>,
    setup_token: Option<String>,
    stopper: cast::web::app::Stopper,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Cast on a random port reading `clock`, with the worker stepped by hand.
pub async fn spawn_cast(clock: Clock) -> Cast {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let env: HashMap<String, String> = [
        ("LISTEN", "127.0.0.1:0".to_string()),
        ("DATA_DIR", dir.path().display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let config = Config::from_source(&env).expect("test settings are valid");
    let runtime = Runtime {
        clock: clock.clone(),
        manual_worker: true,
    };
    let app = Application::build_with(config, runtime)
        .await
        .expect("Cast starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let links = app.links().clone();
    let stopper = app.stopper();
    let setup_token = app.setup_token().map(str::to_string);
    let task = tokio::spawn(app.run_until_stopped());
    Cast {
        address,
        links,
        clock,
        dir,
        setup_token,
        stopper,
        task,
    }
}

impl Cast {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A link for `job_id` to a copy of `source` kept in Cast's data folder.
    pub async fn link(&self, job_id: &str, source: &Path) -> (PublicLink, PathBuf) {
        let path = self.dir.path().join(format!("{job_id}.mp4"));
        std::fs::copy(source, &path).expect("copy the video");
        let file = LinkedFile::describe(&path, "video/mp4")
            .await
            .expect("describe the file");
        let link = self
            .links
            .create(job_id, LinkName::VideoMp4, &file)
            .await
            .expect("link made");
        (link, path)
    }

    /// A browser that has set the owner's password and holds the owner's session cookie.
    pub async fn owner_browser(&self) -> reqwest::Client {
        let browser = crate::helpers::browser_client();
        let token = self
            .setup_token
            .clone()
            .expect("a fresh Cast has a setup token");
        let page = browser
            .get(self.url(&format!("/setup?token={token}")))
            .send()
            .await
            .expect("setup page")
            .text()
            .await
            .expect("body");
        let csrf = crate::helpers::extract_csrf(&page).expect("csrf");
        let pw = crate::helpers::PASSWORD;
        let res = browser
            .post(self.url("/setup"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("token", &token),
                ("password", pw),
                ("confirm", pw),
            ])
            .send()
            .await
            .expect("setup");
        assert_eq!(res.status().as_u16(), 303, "setup logs the owner in");
        browser
    }

    pub async fn stop(self) {
        self.stopper.stop();
        let _ = self.task.await;
    }
}

/// A client that, like a platform's fetcher, follows no redirect and keeps no cookies.
pub fn fetcher() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)")
        .build()
        .expect("client")
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A video Instagram takes as a Reel: `too_long.mp4` (H.264, 360×640, 30 fps, 12 s) rewritten
/// with its index in front (`moov` before `mdat`), as Reels require, plus `pad` bytes in a
/// trailing `free` box so a ranged fetch takes several reads.
pub fn reel(dir: &Path, pad: u32) -> PathBuf {
    let bytes = std::fs::read(fixture("too_long.mp4")).expect("fixture");
    let boxes = top_level(&bytes);
    let moov = *boxes.iter().find(|b| &b.0 == b"moov").expect("a moov box");
    let mut moov_bytes = bytes[moov.1..moov.1 + moov.2].to_vec();
    let shift = moov.2 as u64;
    patch_offsets(&mut moov_bytes, shift);
    let mut out = Vec::with_capacity(bytes.len() + pad as usize + 8);
    for (kind, start, len) in &boxes {
        if kind == b"moov" {
            continue;
        }
        if kind == b"ftyp" {
            out.extend_from_slice(&bytes[*start..start + len]);
            out.extend_from_slice(&moov_bytes);
            continue;
        }
        out.extend_from_slice(&bytes[*start..start + len]);
    }
    if pad > 0 {
        out.extend_from_slice(&(pad + 8).to_be_bytes());
        out.extend_from_slice(b"free");
        out.resize(out.len() + pad as usize, 0);
    }
    let path = dir.join(format!("reel-{pad}.mp4"));
    std::fs::write(&path, out).expect("write reel");
    path
}

fn top_level(bytes: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[pos..pos + 4].try_into().expect("4")) as usize;
        let kind: [u8; 4] = bytes[pos + 4..pos + 8].try_into().expect("4");
        assert!(size >= 8, "the fixture uses 32-bit box sizes");
        out.push((kind, pos, size));
        pos += size;
    }
    out
}

/// Adds `shift` to every chunk offset (`stco`, `co64`) below `moov`.
fn patch_offsets(b: &mut [u8], shift: u64) {
    fn walk(b: &mut [u8], start: usize, end: usize, shift: u64) {
        let mut pos = start;
        while pos + 8 <= end {
            let size = u32::from_be_bytes(b[pos..pos + 4].try_into().expect("4")) as usize;
            let kind: [u8; 4] = b[pos + 4..pos + 8].try_into().expect("4");
            if size < 8 || pos + size > end {
                return;
            }
            match &kind {
                b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"edts" | b"dinf" => {
                    walk(b, pos + 8, pos + size, shift)
                }
                b"stco" => {
                    let n = u32::from_be_bytes(b[pos + 12..pos + 16].try_into().expect("4"));
                    for i in 0..n as usize {
                        let at = pos + 16 + i * 4;
                        let v = u32::from_be_bytes(b[at..at + 4].try_into().expect("4"));
                        let v = u32::try_from(u64::from(v) + shift).expect("fits");
                        b[at..at + 4].copy_from_slice(&v.to_be_bytes());
                    }
                }
                b"co64" => {
                    let n = u32::from_be_bytes(b[pos + 12..pos + 16].try_into().expect("4"));
                    for i in 0..n as usize {
                        let at = pos + 16 + i * 8;
                        let v = u64::from_be_bytes(b[at..at + 8].try_into().expect("8"));
                        b[at..at + 8].copy_from_slice(&(v + shift).to_be_bytes());
                    }
                }
                _ => {}
            }
            pos += size;
        }
    }
    let len = b.len();
    walk(b, 0, len, shift);
}

pub fn sha256(path: &Path) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).expect("read")))
}
