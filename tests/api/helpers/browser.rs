//! One chromedriver + headless Chromium per browser test.
//!
//! Chromium and chromedriver come from Debian (`apt-get install chromium chromium-driver`). In CI
//! (`CI=true`, or `CAST_REQUIRE_BROWSER=1`) a missing browser fails the test; elsewhere the test
//! says loudly that it skipped, and returns.
//!
//! Each test gets its own chromedriver on a free port, its own Chromium and a fresh profile folder.
//! Browser tests take turns (see `ONE_AT_A_TIME`). chromedriver runs in its own process group, so
//! when a `Browser` is dropped — even while a failing test unwinds — chromedriver and every Chromium
//! process it started are killed by that group's id.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::sync::{Mutex, MutexGuard};

use crate::helpers::{PASSWORD, TestApp};

/// How long a page element may take to appear.
const WAIT: Duration = Duration::from_secs(10);

/// The machine has two cores: one Chromium at a time keeps the tests steady. A `tokio` mutex does
/// not poison, so a failed browser test does not fail the ones after it.
static ONE_AT_A_TIME: LazyLock<Mutex<()>> = LazyLock::new(|| Mutex::new(()));

const CHROMIUM_ARGS: &[&str] = &[
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
];

/// A headless Chromium driven over WebDriver. Call [`Browser::close`] at the end of a test.
pub struct Browser {
    client: Client,
    driver: tokio::process::Child,
    /// chromedriver's pid, which is also its process group's id (`process_group(0)`).
    group: Option<u32>,
    _profile: tempfile::TempDir,
    // Dropped last: the next browser test starts only once this one's processes are gone.
    _turn: MutexGuard<'static, ()>,
}

/// A browser, or `None` (after saying so loudly) when Chromium is not installed outside CI.
pub async fn browser() -> Option<Browser> {
    let found = (
        find(&["/usr/bin/chromedriver", "chromedriver"]),
        find(&["/usr/bin/chromium", "chromium", "chromium-browser"]),
    );
    let (Some(driver), Some(chromium)) = found else {
        if required() {
            panic!(
                "browser tests must run in CI: apt-get install chromium chromium-driver \
                 (chromedriver and chromium were not found in /usr/bin or on PATH)"
            );
        }
        let test = std::thread::current()
            .name()
            .unwrap_or("browser test")
            .to_string();
        // Straight to stderr: libtest captures `eprintln!` of passing tests, and a skip must show.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!!! SKIPPED {test}: chromium/chromedriver not installed \
             (apt-get install chromium chromium-driver; CI=true makes this a failure) !!!!!!\n"
        );
        return None;
    };
    let turn = ONE_AT_A_TIME.lock().await;
    let profile = tempfile::tempdir().expect("a temp dir for the Chromium profile");
    let (driver, group, url) = start_chromedriver(&driver).await;
    let args: Vec<String> = CHROMIUM_ARGS
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": chromium.display().to_string(), "args": args }),
    );
    // If this panics, `driver` is dropped and killed; Chromium never started.
    let client = ClientBuilder::rustls()
        .expect("rustls for the WebDriver client")
        .capabilities(caps)
        .connect(&url)
        .await
        .unwrap_or_else(|e| panic!("chromedriver at {url} could not start {chromium:?}: {e}"));
    Some(Browser {
        client,
        driver,
        group,
        _profile: profile,
        _turn: turn,
    })
}

fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
        || std::env::var("CAST_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// The first of `names` that exists: an absolute path as given, a bare name looked up on PATH.
fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        let given = Path::new(name);
        if given.is_absolute() {
            return given.is_file().then(|| given.to_path_buf());
        }
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port()
}

/// Starts chromedriver on a free port and waits until `/status` answers. Another process may take
/// the port between our probe and chromedriver's bind, so a driver that exits early gets a retry.
async fn start_chromedriver(binary: &Path) -> (tokio::process::Child, Option<u32>, String) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .expect("http client");
    for _attempt in 0..3 {
        let port = free_port();
        let mut child = tokio::process::Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{binary:?} did not start: {e}"));
        let group = child.id();
        let url = format!("http://127.0.0.1:{port}");
        // Readiness: up to 10 s in 50 ms steps.
        for _ in 0..200 {
            if let Ok(res) = http.get(format!("{url}/status")).send().await
                && res.status().is_success()
            {
                return (child, group, url);
            }
            if let Ok(Some(_exited)) = child.try_wait() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        kill_group(group);
        let _ = child.kill().await;
    }
    panic!("chromedriver ({binary:?}) never answered on /status after 3 tries");
}

/// SIGKILL to a whole process group (chromedriver and the Chromium processes it started).
fn kill_group(group: Option<u32>) {
    let Some(pgid) = group.filter(|&g| g > 1) else {
        return;
    };
    let _ = std::process::Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{pgid}")])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Fine after `close` too: by then only chromedriver is left in the group.
        kill_group(self.group.take());
        let _ = self.driver.start_kill();
    }
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("could not open {url}: {e}"));
    }

    /// Waits up to 10 s for an element matching `css` and returns it.
    pub async fn wait_for(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .every(Duration::from_millis(100))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => {
                let at = self.client.current_url().await.map(|u| u.to_string());
                panic!("{css} did not appear within {WAIT:?} (page: {at:?}): {e}")
            }
        }
    }

    /// Replaces the value of the input matching `css` with `text`, typed as keystrokes.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// The visible text of the element matching `css` (waiting for it).
    pub async fn text_of(&self, css: &str) -> String {
        self.wait_for(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// The current page's path, e.g. `/login`.
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("the current URL")
            .path()
            .to_string()
    }

    pub async fn page_source(&self) -> String {
        self.client.source().await.expect("the page source")
    }

    /// Runs `script` in the page (WebDriver's execute is not subject to the page's CSP).
    pub async fn execute(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Runs `script` in the page and waits for it to call its last argument (the callback)
    /// with the result, e.g. when a promise settles.
    pub async fn execute_async(&self, script: &str) -> serde_json::Value {
        self.client
            .execute_async(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Until the JavaScript expression `condition` holds on this page, checked in the page at
    /// each frame it draws (nothing here waits for time to pass); the script timeout bounds it.
    /// Not across a navigation: an unloaded page ends the wait with an error.
    pub async fn wait_until(&self, condition: &str) {
        let script = format!(
            "var done = arguments[arguments.length - 1];
             (function check() {{
               var ok = false;
               try {{ ok = !!({condition}); }} catch (e) {{}}
               if (ok) {{ done(true); }} else {{ requestAnimationFrame(check); }}
             }})();"
        );
        self.execute_async(&script).await;
    }

    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("resize to {width}x{height}: {e}"));
    }

    /// Saves a PNG of the viewport at `path`, creating its folder.
    pub async fn screenshot(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {dir:?}: {e}"));
        }
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
    }

    /// Ends the WebDriver session so Chromium exits, then stops chromedriver.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        kill_group(self.group.take());
        let _ = self.driver.kill().await;
    }
}

/// Where browser tests keep screenshots: `target/screenshots/NAME`.
pub fn screenshot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/screenshots")
        .join(name)
}

/// Chooses the owner password on the setup page, as a person would; ends on the dashboard.
pub async fn set_up_and_log_in(b: &Browser, app: &TestApp) {
    let token = app
        .setup_token
        .clone()
        .expect("a fresh Cast has a setup token");
    b.goto(&app.url(&format!("/setup?token={token}"))).await;
    b.fill("#password", PASSWORD).await;
    b.fill("#confirm", PASSWORD).await;
    b.click("form[action='/setup'] button[type=submit]").await;
    b.wait_for("#connect-tiktok").await;
}

/// Presses "Log out" in the top bar; ends on the login page.
pub async fn log_out(b: &Browser) {
    b.click(".topbar form[action='/logout'] button[type=submit]")
        .await;
    b.wait_for("form[action='/login'] #password").await;
}

/// Logs in on the login page with `password`.
pub async fn log_in(b: &Browser, password: &str) {
    b.fill("form[action='/login'] #password", password).await;
    b.click("form[action='/login'] button[type=submit]").await;
}
