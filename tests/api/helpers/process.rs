//! The real `cast` binary as a separate process, with everything it prints kept, for what only a
//! process shows: its log, and its refusal to share a data folder.

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
