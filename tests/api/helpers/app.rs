//! Starting Cast for a test, and the steps a user takes, as functions.
//!
//! A test's Cast runs on a manual clock with a manual worker unless it asks for a live one
//! (`spawn_live_app*`, for browser tests and the real worker): time passes when the test moves
//! the clock, and the queue moves when the test steps it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cast::clock::Clock;
use cast::{Application, Config, Runtime};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub setup_token: Option<String>,
    pub db: sqlx::SqlitePool,
    pub data_dir: Arc<tempfile::TempDir>,
    pub accounts: cast::accounts::Accounts,
    /// The publishing core: with `Runtime::manual_worker` the test steps it (`try_execute_job`).
    pub posts: cast::posts::Posts,
    /// TikTok's platform (its account gateway, for tests of tokens).
    pub tiktok: std::sync::Arc<cast::platforms::tiktok::TikTok>,
    pub notifier: cast::notify::Notifier,
    /// Password checks and the login throttle.
    pub login_checks: Arc<cast::owner::login::Login>,
    /// The free-space figure Cast judges uploads by: a test sets it to fill the disk.
    pub disk: cast::disk::DiskSpace,
    pub clock: cast::clock::Clock,
    /// Browser uploads over tus (their cleanup runs here when a test asks).
    pub tus: cast::tus::BrowserUploads,
    /// TikTok's webhooks as Cast received them; a test steps a processor over them.
    pub tiktok_webhooks: cast::platforms::tiktok::webhook::TikTokWebhooks,
    /// The TikTok emulator (in sandbox mode); a test steps its webhooks.
    pub tiktok_sandbox: Option<cast::sandbox::tiktok::TikTokSandbox>,
    /// The Instagram emulator (in sandbox mode); a test settles its fetches.
    pub instagram_sandbox: Option<cast::sandbox::instagram::InstagramSandbox>,
    /// What the webhooks do to Cast's posts and accounts; a test steps a processor over them.
    pub tiktok_webhook_effects: Arc<cast::platforms::tiktok::webhook::CoreEffects>,
    env: HashMap<String, String>,
    stopper: cast::web::app::Stopper,
    /// The running app; awaited on stop, so its data-folder lock is released before a restart.
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    runtime: Runtime,
}

/// A client that keeps cookies like a browser and shows redirects instead of following them.
pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The runtime of a test's Cast unless it asks otherwise: a manual clock, a manual worker.
pub fn manual() -> Runtime {
    Runtime {
        clock: Clock::manual_now(),
        manual_worker: true,
    }
}

/// Starts Cast in sandbox mode with extra settings (e.g. `("CAST_SANDBOX_FAULTS", "init:429:1")`),
/// on a manual clock with a manual worker: the test moves time (`advance`) and steps the queue
/// (`step`, `helpers::posts::step_until`), never sleeping.
///
/// Tests that are not about a post id's form or delay get the documented form at once
/// (`list`, 0 ms); those that are set `CAST_SANDBOX_POST_ID_FORM` / `_AFTER_MS` themselves.
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    spawn_app_on(settings, manual()).await
}

/// Cast on the system clock with its worker running by itself: for a real browser (which waits
/// for the post's page to say Published) and for the real process's behaviour.
pub async fn spawn_live_app_with(settings: &[(&str, &str)]) -> TestApp {
    spawn_app_on(settings, Runtime::default()).await
}

/// Like `spawn_app_with`, with the clock (and worker mode) the test chooses.
pub async fn spawn_app_on(settings: &[(&str, &str)], runtime: Runtime) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    spawn_app_in(dir, settings, runtime).await
}

/// Starts Cast on an existing data folder.
pub async fn spawn_app_in(
    dir: Arc<tempfile::TempDir>,
    settings: &[(&str, &str)],
    runtime: Runtime,
) -> TestApp {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("LISTEN".into(), "127.0.0.1:0".into());
    env.insert("CAST_SANDBOX_PROCESSING_MS".into(), "200".into());
    env.insert("CAST_SANDBOX_POST_ID_FORM".into(), "list".into());
    env.insert("CAST_SANDBOX_POST_ID_AFTER_MS".into(), "0".into());
    for (k, v) in settings {
        env.insert(k.to_string(), v.to_string());
    }
    start(dir, env, browser_client(), runtime).await
}

/// The settings a test app runs with, as a `Config` for the data folder `dir`.
pub fn test_config(dir: &Path, settings: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("LISTEN".into(), "127.0.0.1:0".into());
    for (k, v) in settings {
        env.insert(k.to_string(), v.to_string());
    }
    env.insert("DATA_DIR".into(), dir.display().to_string());
    Config::from_source(&env).expect("test settings are valid")
}

async fn start(
    dir: Arc<tempfile::TempDir>,
    mut env: HashMap<String, String>,
    client: reqwest::Client,
    runtime: Runtime,
) -> TestApp {
    init_logs();
    env.insert("DATA_DIR".into(), dir.path().display().to_string());
    let config = Config::from_source(&env).expect("test settings are valid");
    let app = Application::build_with(config, runtime.clone())
        .await
        .expect("Cast starts");
    let port = app.port();
    let setup_token = app.setup_token().map(str::to_string);
    let db = app.db().clone();
    let accounts = app.accounts().clone();
    let posts = app.posts().clone();
    let tiktok = app.tiktok().clone();
    let notifier = app.notifier().clone();
    let login = app.login();
    let disk = app.disk_space().clone();
    let clock = app.clock().clone();
    let tus = app.browser_uploads().clone();
    let tiktok_webhooks = app.tiktok_webhooks().clone();
    let tiktok_sandbox = app.tiktok_sandbox().cloned();
    let instagram_sandbox = app.instagram_sandbox().cloned();
    let tiktok_webhook_effects = app.tiktok_webhook_effects();
    let stopper = app.stopper();
    let task = tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client,
        setup_token,
        db,
        data_dir: dir,
        accounts,
        posts,
        tiktok,
        notifier,
        login_checks: login,
        disk,
        clock,
        tus,
        tiktok_webhooks,
        tiktok_sandbox,
        instagram_sandbox,
        tiktok_webhook_effects,
        env,
        stopper,
        task,
        runtime,
    }
}

fn init_logs() {
    if std::env::var("TEST_LOG").is_ok() {
        cast::telemetry::init();
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn data_path(&self) -> PathBuf {
        self.data_dir.path().to_path_buf()
    }

    /// Stops Cast and starts it again on the same data folder, keeping this client's cookies
    /// (and a manual app's clock, which goes on from where it was).
    pub async fn restart(self) -> TestApp {
        let mut env = self.env.clone();
        env.remove("DATA_DIR");
        let (client, runtime) = (self.client.clone(), self.runtime.clone());
        let dir = self.stop().await;
        start(dir, env, client, runtime).await
    }

    /// Stops Cast and waits until it has let go of its data folder, which it returns.
    pub async fn stop(self) -> Arc<tempfile::TempDir> {
        self.stopper.stop();
        let _ = self.task.await;
        self.db.close().await;
        self.data_dir
    }

    /// Moves a manual app's clock (Cast's and its sandbox's) forward.
    pub fn advance(&self, by: std::time::Duration) {
        assert!(self.clock.advance(by), "only a manual app's clock moves");
    }

    /// One step of the worker; true when it had a target to move.
    pub async fn step(&self) -> bool {
        matches!(
            self.posts.try_execute_job().await.expect("worker step"),
            cast::posts::ExecutionOutcome::TaskCompleted
        )
    }

    /// Steps until nothing is due now; how many steps ran.
    pub async fn run_until_idle(&self) -> usize {
        self.posts.run_until_idle().await.expect("worker steps")
    }

    /// A connected TikTok account's open_id, by its sandbox username.
    pub async fn open_id(&self, username: &str) -> String {
        self.accounts
            .list()
            .await
            .expect("accounts")
            .into_iter()
            .find(|a| a.username == username)
            .map(|a| a.account_id)
            .unwrap_or_else(|| panic!("no account @{username}"))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    /// The CSRF token the current page carries for this session.
    /// A new API token named `name`, made with `cast token create` as the owner would.
    pub fn api_token(&self, name: &str) -> String {
        let out = self.cast_cli(&["token", "create", "--name", name], None);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .expect("token")
            .trim()
            .to_string()
    }

    pub async fn csrf_token(&self) -> String {
        for path in ["/", "/login"] {
            if let Some(token) = extract_csrf(&self.get_text(path).await) {
                return token;
            }
        }
        panic!("no page carries a CSRF token for this client")
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Uses the setup link to choose the password; the client is then logged in.
    pub async fn set_up(&self) -> reqwest::Response {
        let token = self
            .setup_token
            .clone()
            .expect("a fresh Cast has a setup token");
        let page = self.get_text(&format!("/setup?token={token}")).await;
        let csrf = extract_csrf(&page).expect("the setup page has a CSRF token");
        self.post_form(
            "/setup",
            &[
                ("csrf_token", &csrf),
                ("token", &token),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await
    }

    pub async fn login(&self, password: &str) -> reqwest::Response {
        let page = self.get_text("/login").await;
        let csrf = extract_csrf(&page).expect("the login page has a CSRF token");
        self.post_form(
            "/login",
            &[("csrf_token", &csrf), ("password", password), ("next", "/")],
        )
        .await
    }

    /// Sets the owner password and leaves the client logged in; returns the session's CSRF token.
    pub async fn logged_in(&self) -> String {
        let res = self.set_up().await;
        assert_eq!(
            res.status().as_u16(),
            303,
            "setup should log in and redirect"
        );
        let page = self.get_text("/").await;
        extract_csrf(&page).expect("the dashboard has a CSRF token")
    }

    /// Runs `cast ARGS` against this app's data folder, as the owner would on the server.
    pub fn cast_cli(&self, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        run_cast(self.data_dir.path(), args, stdin, &[])
    }
}

pub fn extract_csrf(page: &str) -> Option<String> {
    for marker in [
        "name=\"csrf-token\" content=\"",
        "name=\"csrf_token\" value=\"",
    ] {
        if let Some(start) = page.find(marker) {
            let rest = &page[start + marker.len()..];
            return rest.find('"').map(|end| rest[..end].to_string());
        }
    }
    None
}

/// Runs the real `cast` binary with a clean environment plus `env`.
pub fn run_cast(
    data_dir: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> std::process::Output {
    use std::io::Write as _;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cast"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", data_dir)
        .current_dir(data_dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("cast runs");
    if let Some(mut pipe) = child.stdin.take()
        && let Some(input) = stdin
    {
        pipe.write_all(input.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("cast finishes")
}

/// The `name`/`value` pairs a browser would submit from the form on `page` that has a submit button
/// whose value or label contains `press`; checkboxes named in `untick` are left out.
pub fn form_fields(page: &str, press: &str, untick: &[&str]) -> (String, Vec<(String, String)>) {
    let form = page
        .split("<form")
        .skip(1)
        .map(|f| &f[..f.find("</form>").unwrap_or(f.len())])
        .find(|f| {
            f.split("<button").skip(1).any(|b| {
                b[..b.find("</button>").unwrap_or(b.len())]
                    .to_lowercase()
                    .contains(press)
            })
        })
        .expect("a form with that button");
    let action = attr(&form[..form.find('>').unwrap_or(form.len())], "action").unwrap_or_default();
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find("<input") {
        let tag_end = rest[i..].find('>').map(|e| i + e).unwrap_or(rest.len());
        let tag = &rest[i..tag_end];
        rest = &rest[tag_end..];
        let (Some(name), kind) = (
            attr(tag, "name"),
            attr(tag, "type").unwrap_or_else(|| "text".into()),
        ) else {
            continue;
        };
        let value = attr(tag, "value").unwrap_or_default();
        match kind.as_str() {
            "checkbox" | "radio" => {
                if tag.contains("checked")
                    && !untick.contains(&value.as_str())
                    && !untick.contains(&name.as_str())
                {
                    fields.push((name, value));
                }
            }
            "submit" | "button" => {}
            _ => fields.push((name, value)),
        }
    }
    let mut rest = form;
    while let Some(i) = rest.find("<button") {
        let close = rest[i..]
            .find("</button>")
            .map(|e| i + e)
            .unwrap_or(rest.len());
        let whole = &rest[i..close];
        rest = &rest[close..];
        let tag = &whole[..whole.find('>').unwrap_or(whole.len())];
        let label = whole[whole.find('>').map(|e| e + 1).unwrap_or(0)..].to_lowercase();
        let value = attr(tag, "value").unwrap_or_default();
        if value.to_lowercase().contains(press) || label.contains(press) {
            if let Some(name) = attr(tag, "name") {
                fields.push((name, value));
            }
            break;
        }
    }
    (html_unescape(&action), fields)
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = start + tag[start..].find('"')?;
    Some(html_unescape(&tag[start..end]))
}

fn html_unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

impl TestApp {
    /// Follows Connect TikTok to the sandbox's consent page; returns that page's HTML and URL.
    pub async fn open_consent(&self) -> (String, String) {
        let res = self.get("/connect/tiktok").await;
        assert_eq!(
            res.status().as_u16(),
            303,
            "Connect TikTok redirects to the consent page"
        );
        let consent_url = location(&res);
        let page = self
            .client
            .get(&consent_url)
            .send()
            .await
            .expect("consent page")
            .text()
            .await
            .expect("body");
        (page, consent_url)
    }

    /// Presses Authorize (or Deny) on the consent page as `username`; returns the callback URL TikTok sends back to.
    pub async fn answer_consent(
        &self,
        page: &str,
        press: &str,
        username: &str,
        untick: &[&str],
    ) -> String {
        let (action, mut fields) = form_fields(page, press, untick);
        for f in fields.iter_mut() {
            if f.0 == "username" {
                f.1 = username.to_string();
            }
        }
        let action = if action.starts_with("http") {
            action
        } else {
            self.url(&action)
        };
        let res = self
            .client
            .post(&action)
            .form(&fields)
            .send()
            .await
            .expect("consent answer");
        assert_eq!(
            res.status().as_u16(),
            303,
            "the consent page redirects back to Cast: {:?}",
            res.text().await
        );
        let loc = location(&res);
        assert!(
            loc.starts_with("http"),
            "consent answered 303 to {loc:?}; sent {fields:?} to {action}"
        );
        loc
    }

    /// Connects sandbox creator `username` through the browser route; the client must be logged in.
    pub async fn connect_account(&self, username: &str) -> reqwest::Response {
        let (page, _) = self.open_consent().await;
        let callback = self.answer_consent(&page, "authorize", username, &[]).await;
        self.client.get(&callback).send().await.expect("callback")
    }
}

impl TestApp {
    /// The account's current access token, opened with the app's own key (for revocation tests).
    pub async fn accounts_access_token(&self, username: &str) -> String {
        let open_id = self.open_id(username).await;
        self.tiktok
            .gateway()
            .access_token(&open_id)
            .await
            .expect("token")
    }
}

/// A port free right now, so a restarted Cast can listen where the first one did (the
/// sandbox's upload URLs name it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}
