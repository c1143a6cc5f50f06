//! Starting Cast for a test, and the steps a user takes, as functions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cast::{Application, Config};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub setup_token: Option<String>,
    pub db: sqlx::SqlitePool,
    pub data_dir: Arc<tempfile::TempDir>,
    env: HashMap<String, String>,
    handle: actix_web::dev::ServerHandle,
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

/// Starts Cast in sandbox mode with extra settings (e.g. `("CAST_SANDBOX_FAULTS", "init:429:1")`).
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("LISTEN".into(), "127.0.0.1:0".into());
    env.insert("CAST_SANDBOX_PROCESSING_MS".into(), "200".into());
    for (k, v) in settings {
        env.insert(k.to_string(), v.to_string());
    }
    start(dir, env, browser_client()).await
}

async fn start(
    dir: Arc<tempfile::TempDir>,
    mut env: HashMap<String, String>,
    client: reqwest::Client,
) -> TestApp {
    init_logs();
    env.insert("DATA_DIR".into(), dir.path().display().to_string());
    let config = Config::from_source(&env).expect("test settings are valid");
    let app = Application::build(config).await.expect("Cast starts");
    let port = app.port();
    let setup_token = app.setup_token().map(str::to_string);
    let db = app.db().clone();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client,
        setup_token,
        db,
        data_dir: dir,
        env,
        handle,
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

    /// Stops Cast and starts it again on the same data folder, keeping this client's cookies.
    pub async fn restart(self) -> TestApp {
        self.handle.stop(true).await;
        self.db.close().await;
        let mut env = self.env.clone();
        env.remove("DATA_DIR");
        start(self.data_dir.clone(), env, self.client.clone()).await
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
    if let Some(mut pipe) = child.stdin.take() {
        if let Some(input) = stdin {
            pipe.write_all(input.as_bytes()).expect("stdin");
        }
    }
    child.wait_with_output().expect("cast finishes")
}
