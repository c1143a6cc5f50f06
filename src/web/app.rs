//! The app factory: the one place that knows which platforms are real and which are emulated.
//! It builds every service, mounts the emulators' scopes beside Cast's, binds the listener, and
//! runs the server and the background tasks under one supervisor.

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use super::gate::CastGate;
use super::state::AppState;
use super::{form_token, middleware, request_span, routes};
use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::config::{Config, PlatformMode};
use crate::crypto::{CryptoError, Keys};
use crate::data_dir::{DataDirError, DataDirLock};
use crate::db::{self, DbError};
use crate::disk::DiskSpace;
use crate::owner::device::Devices;
use crate::owner::login::Login;
use crate::owner::{Owner, OwnerError};
use crate::platforms::tiktok::webhook::{LogOnly, TikTokWebhooks};
use crate::sandbox::tiktok::{Placement, TikTokSandbox};
use crate::sandbox::youtube::YouTubeSandbox;
use crate::session_store::SqliteSessionStore;
use crate::uploads::{UploadSettings, Uploads};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(
        "LISTEN: cannot listen on {addr}: {source} (is another program using it? for example LISTEN=127.0.0.1:3001)"
    )]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Keys(#[from] CryptoError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot prepare the owner account: {0}")]
    Owner(#[from] OwnerError),
    #[error("cannot start the HTTP server: {0}")]
    Server(std::io::Error),
}

/// How this process runs beside its settings: which clock it reads and whether the upload worker
/// runs by itself. Production takes the default; tests take a manual clock and step the worker.
#[derive(Clone, Default)]
pub struct Runtime {
    pub clock: Clock,
    /// When true the worker is not started: the test calls `Uploads::try_execute_job` itself.
    pub manual_worker: bool,
}

/// Cast, built and listening, ready to run. `main` and every test build it the same way.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    setup_token: Option<String>,
    runtime: Runtime,
    db: sqlx::SqlitePool,
    tiktok_webhooks: TikTokWebhooks,
    tiktok_sandbox: Option<TikTokSandbox>,
    /// Held for as long as the app runs: no second Cast can start on this data folder.
    _lock: DataDirLock,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartError> {
        Self::build_with(config, Runtime::default()).await
    }

    pub async fn build_with(mut config: Config, runtime: Runtime) -> Result<Self, StartError> {
        // The lock comes before anything that touches the folder's contents: a second Cast must
        // not release the first one's job leases or delete its uploads in progress.
        crate::data_dir::create(&config.data_dir)?;
        let lock = DataDirLock::acquire(&config.data_dir)?;
        crate::data_dir::secure(&config.data_dir)?;
        let listener = TcpListener::bind(config.listen).map_err(|source| StartError::Bind {
            addr: config.listen.to_string(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind {
                addr: config.listen.to_string(),
                source,
            })?
            .port();
        // Tests listen on port 0; the URLs derived from it must name the real port.
        config.resolve_port(port);
        let keys = Keys::load(config.secret_key.as_ref(), &config.data_dir)?;
        let db = db::connect(&config.db_path()).await?;
        let session_key = Key::from(&keys.derive("session-cookie"));
        let secure = config.cookies_secure();
        let session_ttl =
            actix_web::cookie::time::Duration::seconds(config.session_ttl.as_secs() as i64);
        let client = crate::platforms::tiktok::client::TikTokClient::from_config(&config);
        let upload_settings = UploadSettings::from_config(&config, client.client_key());
        let accounts = Accounts::new(
            db.clone(),
            keys.sealer("tiktok-tokens"),
            client,
            runtime.clock.clone(),
        );
        let uploads = Uploads::new(
            db.clone(),
            accounts.clone(),
            upload_settings,
            runtime.clock.clone(),
        );
        let login = Arc::new(Login::new(
            db.clone(),
            Devices::new(keys.signer("known-browser")),
            runtime.clock.clone(),
        ));
        let owner = Owner::new(db.clone(), runtime.clock.clone());
        let emulators = Emulators::build(&config, &db, &runtime.clock, &owner);
        let tiktok_sandbox = emulators.tiktok.clone();
        let tiktok_webhooks =
            TikTokWebhooks::from_config(&config, db.clone(), runtime.clock.clone());
        let webhooks_data = web::Data::new(tiktok_webhooks.clone());
        let setup_token = owner.issue_setup_link().await?;
        let disk = DiskSpace::default();
        let tus = crate::tus::BrowserUploads::new(
            db.clone(),
            runtime.clock.clone(),
            config.data_dir.clone(),
            config.partial_upload_ttl,
            config.max_upload_bytes,
            config.limits.clone(),
            disk.clone(),
        );
        let form_tokens = form_token::FormTokens::new(keys.signer("visitor-form"), secure);
        let stalled_client = config.limits.stalled_client;
        let emulated = emulators.named();
        let state = web::Data::new(AppState {
            emulated,
            config,
            clock: runtime.clock.clone(),
            owner,
            login,
            form_tokens,
            disk,
            health: crate::db::Health::new(db.clone()),
            tus,
            accounts,
            uploads,
        });
        let app_state = state.clone();
        let clock = runtime.clock.clone();
        let session_db = db.clone();
        let server = HttpServer::new(move || {
            let session = SessionMiddleware::builder(
                SqliteSessionStore::new(session_db.clone(), clock.clone()),
                session_key.clone(),
            )
            .cookie_name("cast_session".into())
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_secure(secure)
            .cookie_content_security(CookieContentSecurity::Signed)
            .session_lifecycle(PersistentSession::default().session_ttl(session_ttl))
            .build();
            let emulators = emulators.clone();
            App::new()
                .app_data(app_state.clone())
                .app_data(webhooks_data.clone())
                .app_data(web::FormConfig::default().limit(64 * 1024))
                .app_data(web::JsonConfig::default().limit(256 * 1024))
                // The emulators' scopes first: Cast's own scope matches every other path.
                .configure(move |cfg| emulators.configure(cfg))
                .configure(routes::configure)
                // Last wrapped runs first: log → headers → session → (Cast's scope: errors →
                // login → CSRF) → handler. The session is app-wide because the emulators' gate
                // reads it; it stores nothing for anonymous visitors.
                .wrap(session)
                .wrap(middleware::headers::security_headers())
                .wrap(TracingLogger::<request_span::PathOnly>::new())
        })
        // A client must send its request head within this (10 s at most: a head is a few
        // hundred bytes), or the connection is closed; bodies are held to a pace by `slow_body`.
        .client_request_timeout(stalled_client.min(std::time::Duration::from_secs(10)))
        .listen(listener)
        .map_err(StartError::Server)?
        .shutdown_timeout(10)
        .run();
        Ok(Self {
            port,
            server,
            state,
            setup_token,
            runtime,
            db,
            tiktok_webhooks,
            tiktok_sandbox,
            _lock: lock,
        })
    }

    /// Password checks and the login throttle (tests read how many checks ran at once).
    pub fn login(&self) -> Arc<Login> {
        self.state.login.clone()
    }

    /// The free-space figure Cast judges uploads by; a test sets it to fill the disk.
    pub fn disk_space(&self) -> &DiskSpace {
        &self.state.disk
    }

    /// The clock the app reads (a test's manual clock, or the system's).
    pub fn clock(&self) -> &Clock {
        &self.runtime.clock
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// The database, for tests that inspect what is stored (that tokens are sealed, say).
    pub fn db(&self) -> &sqlx::SqlitePool {
        &self.db
    }

    /// Browser uploads over tus; tests run their cleanup directly.
    pub fn browser_uploads(&self) -> &crate::tus::BrowserUploads {
        &self.state.tus
    }

    /// The one-time setup token, when no password is set yet.
    pub fn setup_token(&self) -> Option<&str> {
        self.setup_token.as_deref()
    }

    /// Stops the server from elsewhere (tests restart Cast on the same data folder).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub fn accounts(&self) -> &Accounts {
        &self.state.accounts
    }

    /// The upload queue; tests drive its worker step (`try_execute_job`) directly.
    pub fn uploads(&self) -> &Uploads {
        &self.state.uploads
    }

    /// TikTok's webhooks as received; tests make processors over them and step them.
    pub fn tiktok_webhooks(&self) -> &TikTokWebhooks {
        &self.tiktok_webhooks
    }

    /// The TikTok emulator, when TikTok runs against it; tests step its webhooks.
    pub fn tiktok_sandbox(&self) -> Option<&TikTokSandbox> {
        self.tiktok_sandbox.as_ref()
    }

    /// Serves until SIGTERM/SIGINT (actix handles the signals) and the server has drained,
    /// with the background tasks beside it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let refresher = tokio::spawn(self.state.accounts.clone().run_refresher());
        let housekeeping = tokio::spawn(housekeeping(
            self.state.tus.clone(),
            SqliteSessionStore::new(self.db.clone(), self.state.clock.clone()),
        ));
        let uploader = (!self.runtime.manual_worker)
            .then(|| tokio::spawn(self.state.uploads.clone().run_worker()));
        // Stepped by tests with a manual worker, like the uploads. Until the core implements
        // `WebhookEffects`, events are logged and polling decides every outcome.
        let webhooks = (!self.runtime.manual_worker).then(|| {
            let processor = self.tiktok_webhooks.processor(Arc::new(LogOnly));
            let sandbox = self
                .tiktok_sandbox
                .clone()
                .map(|s| tokio::spawn(s.run_webhooks()));
            (tokio::spawn(processor.run()), sandbox)
        });
        let result = self.server.await;
        // A job stopped mid-chunk resumes at the next start from its recorded progress.
        if let Some(uploader) = uploader {
            uploader.abort();
        }
        if let Some((processor, sandbox)) = webhooks {
            processor.abort();
            if let Some(sandbox) = sandbox {
                sandbox.abort();
            }
        }
        refresher.abort();
        housekeeping.abort();
        result
    }
}

/// Every ten minutes: forget expired sessions and delete abandoned browser uploads.
async fn housekeeping(tus: crate::tus::BrowserUploads, store: SqliteSessionStore) {
    // The first pass waits a full period: nothing has had time to expire right after start-up.
    let period = std::time::Duration::from_secs(600);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tick.tick().await;
        match tus.delete_expired().await {
            Ok(n) if n > 0 => tracing::info!(uploads = n, "abandoned browser uploads deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not delete abandoned browser uploads"),
        }
        match store.purge_expired().await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
        }
    }
}

/// The platforms Cast emulates in this run, each mounted in its own scope. Which they are is
/// decided here and nowhere else: a platform without credentials runs against its emulator.
#[derive(Clone)]
struct Emulators {
    tiktok: Option<TikTokSandbox>,
    /// Until YouTube itself is configured, its emulator is always there (it is harmless: it only
    /// answers what a client asks of it).
    youtube: YouTubeSandbox,
}

impl Emulators {
    fn build(config: &Config, db: &sqlx::SqlitePool, clock: &Clock, owner: &Owner) -> Self {
        let gate: crate::sandbox::gate::Gate = Arc::new(CastGate::new(owner.clone()));
        let files = config.data_dir.join("sandbox");
        // The emulators read the same clock as Cast: a test that moves it moves them too.
        let tiktok = match &config.tiktok.mode {
            PlatformMode::Emulated(settings) => Some(TikTokSandbox::new(
                settings.clone(),
                db.clone(),
                clock.clone(),
                gate.clone(),
                Placement {
                    origin: config.url(""),
                    files_dir: files.clone(),
                    redirect_uri: config.redirect_uri(),
                },
            )),
            PlatformMode::Real(_) => None,
        };
        let youtube = YouTubeSandbox::new(
            config.youtube_sandbox.clone(),
            db.clone(),
            clock.clone(),
            gate,
            config.url(""),
            files.join("youtube"),
            config.url("/auth/youtube/callback"),
        );
        Self { tiktok, youtube }
    }

    /// The platforms Cast posts to through an emulator, for the banner.
    fn named(&self) -> Vec<crate::web::templates::Emulated> {
        self.tiktok
            .iter()
            .map(|_| crate::web::templates::Emulated {
                name: "TikTok",
                received_url: format!("{}/_/", crate::sandbox::tiktok::MOUNT),
                real_with: "Set TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET",
            })
            .collect()
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        if let Some(tiktok) = &self.tiktok {
            tiktok.configure(cfg);
        }
        self.youtube.configure(cfg);
    }
}
