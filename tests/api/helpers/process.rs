//! The real `cast` binary as a separate process, with everything it prints kept, for what only a
//! process shows: its log, its refusal to share a data folder, and how it stops on SIGTERM.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct CastProcess {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    news: mpsc::Receiver<String>,
}

impl CastProcess {
    /// Starts `cast ARGS` on `data_dir` with a clean environment plus `env`.
    pub fn start(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cast"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATA_DIR", data_dir)
            // No colours: the log is read as text.
            .env("NO_COLOR", "1")
            .current_dir(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("cast runs");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, news) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        for pipe in [
            Box::new(stdout) as Box<dyn std::io::Read + Send>,
            Box::new(stderr),
        ] {
            let (lines, tx) = (lines.clone(), tx.clone());
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                    lines.lock().expect("lines").push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        Self { child, lines, news }
    }

    /// Waits until a line containing `needle` is printed; returns it.
    pub fn wait_for_line(&self, needle: &str, limit: Duration) -> String {
        if let Some(line) = self
            .lines
            .lock()
            .expect("lines")
            .iter()
            .find(|l| l.contains(needle))
        {
            return line.clone();
        }
        let deadline = std::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.news.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => continue,
                Err(_) => panic!(
                    "cast never printed {needle:?}; it printed:\n{}",
                    self.output()
                ),
            }
        }
    }

    /// The address a `cast serve` with `LISTEN=127.0.0.1:0` is reachable at.
    pub fn address(&self) -> String {
        let line = self.wait_for_line("(open http://", Duration::from_secs(60));
        let start = line.find("(open ").expect("open") + "(open ".len();
        let end = start + line[start..].find(')').expect(")");
        line[start..end].trim_end_matches('/').to_string()
    }

    /// Waits for the process to end by itself; `None` if it is still running after `limit`.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            // Nothing else to wait on for a child's exit without a signal handler.
            let _ = self.news.recv_timeout(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM, as systemd's stop does.
    pub fn terminate(&self) {
        rustix::process::kill_process(
            rustix::process::Pid::from_child(&self.child),
            rustix::process::Signal::TERM,
        )
        .expect("SIGTERM");
    }

    /// Everything printed so far.
    pub fn output(&self) -> String {
        self.lines.lock().expect("lines").join("\n")
    }
}

impl Drop for CastProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connects sandbox creator `username` to the Cast at `base` as a script would, with an API
/// token (`bearer`: "Bearer …"): Cast's authorize URL, the sandbox's consent answered, the code
/// handed back to Cast. Returns the account's open_id.
pub async fn connect_with_token(
    client: &reqwest::Client,
    base: &str,
    bearer: &str,
    username: &str,
) -> String {
    let auth: serde_json::Value = client
        .get(format!("{base}/api/tiktok/auth-url"))
        .header("Authorization", bearer)
        .send()
        .await
        .expect("auth url")
        .json()
        .await
        .expect("json");
    let state = auth["state"].as_str().expect("state").to_string();
    // The authorize URL carries this attempt's PKCE challenge; the consent form must echo it.
    let authorize = url::Url::parse(auth["url"].as_str().expect("url")).expect("authorize url");
    let challenge = |name: &str| {
        authorize
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("the authorize URL has {name}"))
    };
    let scopes = "user.info.basic,video.upload,video.publish";
    let mut form = vec![
        ("client_key", "cast-sandbox".to_string()),
        ("response_type", "code".to_string()),
        ("redirect_uri", format!("{base}/auth/tiktok/callback")),
        ("scope", scopes.to_string()),
        ("state", state.clone()),
        ("username", username.to_string()),
        ("decision", "authorize".to_string()),
        ("code_challenge", challenge("code_challenge")),
        ("code_challenge_method", challenge("code_challenge_method")),
    ];
    form.extend(scopes.split(',').map(|s| ("scopes", s.to_string())));
    let res = client
        .post(format!("{base}/sandbox/tiktok/v2/auth/authorize/"))
        .header("Authorization", bearer)
        .form(&form)
        .send()
        .await
        .expect("consent");
    assert_eq!(res.status().as_u16(), 303);
    let callback = url::Url::parse(crate::helpers::location(&res).as_str()).expect("callback");
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let res = client
        .post(format!("{base}/api/tiktok/login"))
        .header("Authorization", bearer)
        .json(&serde_json::json!({"code": code, "state": state}))
        .send()
        .await
        .expect("connect");
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    body["account"]["open_id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| panic!("the connected account's open_id: {body}"))
}
