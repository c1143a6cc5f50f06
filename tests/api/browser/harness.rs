//! Starts chromedriver + headless Chromium for one test. In CI (`CI=true`) a missing browser
//! fails the test; elsewhere the test says loudly that it skipped, and returns.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use tokio::sync::{Mutex, MutexGuard};

/// Two cores: one browser at a time keeps the tests steady.
static ONE_AT_A_TIME: LazyLock<Mutex<()>> = LazyLock::new(|| Mutex::new(()));

pub struct Browser {
    pub client: Client,
    _driver: tokio::process::Child,
    _profile: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

fn find(names: &[&str]) -> Option<PathBuf> {
    for name in names {
        let direct = Path::new(name);
        if direct.is_absolute() && direct.exists() {
            return Some(direct.to_path_buf());
        }
        if let Some(paths) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&paths) {
                let p = dir.join(name);
                if p.exists() {
                    return Some(p);
                }
            }
        }
    }
    None
}

fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("CAST_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// A browser, or None (after saying so) when Chromium is not installed outside CI.
pub async fn browser() -> Option<Browser> {
    let (Some(driver), Some(chromium)) = (
        find(&["/usr/bin/chromedriver", "chromedriver"]),
        find(&["/usr/bin/chromium", "chromium", "chromium-browser"]),
    ) else {
        if required() {
            panic!("browser tests must run in CI: apt-get install -y chromium chromium-driver");
        }
        eprintln!(
            "SKIPPED browser test: chromium/chromedriver not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let turn = ONE_AT_A_TIME.lock().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = tokio::process::Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    // Readiness: chromedriver answers /status once it listens.
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("{url}/status")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().expect("profile dir");
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.path().display())])
    .collect::<Vec<_>>();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"binary": chromium.display().to_string(), "args": args}),
    );
    let client = ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(&url)
        .await
        .expect("chromium session");
    Some(Browser {
        client,
        _driver: child,
        _profile: profile,
        _turn: turn,
    })
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.expect("click");
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.expect("text")
    }

    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("url")
            .path()
            .to_string()
    }

    pub async fn source(&self) -> String {
        self.client.source().await.expect("source")
    }

    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.expect("script")
    }

    pub async fn screenshot(&self, name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(dir.join(name), png);
        }
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// Sets the owner up and logs in through the pages, as a person would.
pub async fn set_up_and_log_in(b: &Browser, app: &crate::helpers::TestApp) {
    let token = app.setup_token.clone().expect("setup token");
    b.goto(&app.url(&format!("/setup?token={token}"))).await;
    b.fill("#password", crate::helpers::PASSWORD).await;
    b.fill("#confirm", crate::helpers::PASSWORD).await;
    b.click("form[action='/setup'] button[type=submit]").await;
    b.wait_for("#accounts").await;
}
