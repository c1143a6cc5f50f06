//! Stand-ins for where notifications go, on loopback: an HTTP receiver (ntfy-compatible, or a
//! webhook endpoint) that records every request, an SMTP sink (mailin-embedded), and a notifier
//! over a fresh SQLite file with a clock the test moves.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use cast::clock::Clock;
use cast::notify::{Notifier, NotifySettings};

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Lower-case names.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

#[derive(Default)]
struct ReceiverState {
    requests: Mutex<Vec<Recorded>>,
    status: AtomicU16,
    /// Answer with the request's path and headers in the body, as a careless server's error page might.
    echo: AtomicBool,
}

/// An HTTP server on 127.0.0.1 that records requests and answers 200 (or what the test says).
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let state = Arc::new(ReceiverState {
            status: AtomicU16::new(200),
            ..Default::default()
        });
        let shared = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(record))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}"),
            state,
            handle,
        }
    }

    /// From now on, answer every request with `status`.
    pub fn answer(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }

    pub fn echo_requests(&self) {
        self.state.echo.store(true, Ordering::SeqCst);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().expect("not poisoned").clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

async fn record(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ReceiverState>,
) -> HttpResponse {
    let headers: HashMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let recorded = Recorded {
        method: req.method().to_string(),
        path: req
            .uri()
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let echo = format!("refused {} with {:?}", recorded.path, recorded.headers);
    state.requests.lock().expect("not poisoned").push(recorded);
    let status = actix_web::http::StatusCode::from_u16(state.status.load(Ordering::SeqCst))
        .unwrap_or(actix_web::http::StatusCode::OK);
    let mut res = HttpResponse::build(status);
    if state.echo.load(Ordering::SeqCst) {
        res.body(echo)
    } else {
        res.body("ok")
    }
}

/// A URL on loopback where nothing listens: connecting is refused at once.
pub fn refused_url(scheme: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("{scheme}://127.0.0.1:{port}")
}

/// One email as the SMTP sink received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as sent, with quoted-printable soft line breaks joined.
    pub raw: String,
}

impl Mail {
    pub fn subject(&self) -> String {
        self.raw
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_string()
    }
}

#[derive(Clone)]
struct SinkHandler {
    mails: Arc<Mutex<Vec<Mail>>>,
    refuse: Arc<AtomicBool>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for SinkHandler {
    fn data_start(
        &mut self,
        _domain: &str,
        from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        if self.refuse.load(Ordering::SeqCst) {
            return mailin_embedded::response::INTERNAL_ERROR;
        }
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let raw = String::from_utf8_lossy(&self.data).replace("=\r\n", "");
        self.mails.lock().expect("not poisoned").push(Mail {
            from: self.from.clone(),
            to: self.to.clone(),
            raw,
        });
        mailin_embedded::response::OK
    }
}

/// An SMTP server on 127.0.0.1 (plain, no auth) that keeps every message. Its threads serve until
/// the test binary exits: mailin-embedded has no stop, and an idle sink costs nothing.
pub struct SmtpSink {
    pub url: String,
    mails: Arc<Mutex<Vec<Mail>>>,
    refuse: Arc<AtomicBool>,
}

impl SmtpSink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let refuse = Arc::new(AtomicBool::new(false));
        let handler = SinkHandler {
            mails: mails.clone(),
            refuse: refuse.clone(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = mailin_embedded::Server::new(handler);
        server
            .with_name("sink.test")
            .with_num_threads(2)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            // Its error type is not Send: keep only that it stopped.
            let _ = server.serve();
        });
        Self {
            url: format!("smtp://127.0.0.1:{port}"),
            mails,
            refuse,
        }
    }

    /// Answer `451 local error` to every message from now on (or accept again).
    pub fn refuse(&self, refuse: bool) {
        self.refuse.store(refuse, Ordering::SeqCst);
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("not poisoned").clone()
    }
}

/// A notifier on a fresh database file, with a manual clock.
pub struct TestNotifier {
    pub notifier: Notifier,
    pub clock: Clock,
    pub db: sqlx::SqlitePool,
    /// Kept so the database file outlives the test.
    pub _dir: tempfile::TempDir,
}

pub async fn notifier_with(settings: &[(&str, &str)]) -> TestNotifier {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = cast::db::connect(&dir.path().join("cast.db"))
        .await
        .expect("database");
    let clock = Clock::manual_now();
    let notifier = build(&db, &clock, settings);
    TestNotifier {
        notifier,
        clock,
        db,
        _dir: dir,
    }
}

/// A notifier over an existing database: what a restart of Cast gets.
pub fn build(db: &sqlx::SqlitePool, clock: &Clock, settings: &[(&str, &str)]) -> Notifier {
    let map: HashMap<String, String> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let settings = NotifySettings::from_source(&map).expect("valid notification settings");
    Notifier::new(db.clone(), clock.clone(), settings).expect("notifier")
}
