//! HTTP: the app factory, the route table, middleware, handlers, and error rendering.

pub mod assets;
pub mod client_ip;
pub mod error;
pub mod form_token;
pub mod handlers;
pub mod middleware;
pub mod redirect;
pub mod request_span;
pub mod routes;
pub mod session;
pub mod state;
pub mod templates;

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::config::{Config, Mode};
use crate::crypto::{CryptoError, Keys};
use crate::data_dir::{DataDirError, DataDirLock};
use crate::db::{self, DbError};
use crate::disk::DiskSpace;
use crate::owner::device::Devices;
use crate::owner::login::Login;
use crate::owner::{OwnerError, setup};
use crate::sandbox::Sandbox;
use crate::session_store::SqliteSessionStore;
use crate::uploads::{UploadSettings, Uploads};
use state::AppState;

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
    links: web::Data<crate::links::Links>,
    setup_token: Option<String>,
    runtime: Runtime,
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
        let setup_token = setup::issue_if_needed(&db).await?;
        let sandbox = match &config.mode {
            // The sandbox reads the same clock as Cast: a test that moves it moves both.
            Mode::Sandbox(settings) => Some(Sandbox::new(
                settings.clone(),
                db.clone(),
                &config,
                runtime.clock.clone(),
            )),
            Mode::TikTok(_) => None,
        };
        let session_key = Key::from(&keys.derive("session-cookie"));
        let secure = config.cookies_secure();
        let session_ttl =
            actix_web::cookie::time::Duration::seconds(config.session_ttl.as_secs() as i64);
        let client = crate::tiktok::TikTokClient::from_config(&config);
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
            Devices::new(keys.signer("known-browser")),
            runtime.clock.clone(),
        ));
        let form_tokens = form_token::FormTokens::new(keys.signer("visitor-form"), secure);
        let stalled_client = config.limits.stalled_client;
        let state = web::Data::new(AppState {
            config,
            clock: runtime.clock.clone(),
            db: db.clone(),
            keys,
            login,
            form_tokens,
            disk: DiskSpace::default(),
            accounts,
            uploads,
        });
        // Public media links; PUBLIC_LINK_TTL is read here once it moves into Config.
        let links = web::Data::new(crate::links::Links::new(
            db.clone(),
            runtime.clock.clone(),
            state.config.base_url.as_str(),
            crate::links::LinkSettings::default(),
        ));
        let app_links = links.clone();
        let app_state = state.clone();
        let tus_writers = web::Data::new(crate::tus::store::Writers::default());
        let server = HttpServer::new(move || {
            let session = SessionMiddleware::builder(
                SqliteSessionStore::new(db.clone()),
                session_key.clone(),
            )
            .cookie_name("cast_session".into())
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_secure(secure)
            .cookie_content_security(CookieContentSecurity::Signed)
            .session_lifecycle(PersistentSession::default().session_ttl(session_ttl))
            .build();
            let sandbox = sandbox.clone();
            App::new()
                .app_data(app_state.clone())
                .app_data(tus_writers.clone())
                .app_data(app_links.clone())
                .app_data(web::FormConfig::default().limit(64 * 1024))
                .app_data(web::JsonConfig::default().limit(256 * 1024))
                .configure(routes::configure)
                .configure(move |cfg| {
                    if let Some(sandbox) = &sandbox {
                        sandbox.configure(cfg);
                    }
                })
                // Last wrapped runs first: log → headers → errors → session → login → CSRF → handler.
                .wrap(from_fn(middleware::csrf::verify))
                .wrap(from_fn(middleware::auth::require_owner))
                .wrap(session)
                .wrap(from_fn(middleware::errors::render))
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
            links,
            setup_token,
            runtime,
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

    /// Public media links: made and revoked by platform jobs, served at `/m/`.
    pub fn links(&self) -> &crate::links::Links {
        &self.links
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

    pub fn db(&self) -> &sqlx::SqlitePool {
        &self.state.db
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

    /// Serves until SIGTERM/SIGINT (actix handles the signals) and the server has drained,
    /// with the background tasks beside it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let refresher = tokio::spawn(self.state.accounts.clone().run_refresher());
        let housekeeping = tokio::spawn(housekeeping(
            self.state.db.clone(),
            self.state.config.data_dir.clone(),
        ));
        let uploader = (!self.runtime.manual_worker)
            .then(|| tokio::spawn(self.state.uploads.clone().run_worker()));
        let result = self.server.await;
        // A job stopped mid-chunk resumes at the next start from its recorded progress.
        if let Some(uploader) = uploader {
            uploader.abort();
        }
        refresher.abort();
        housekeeping.abort();
        result
    }
}

/// Every ten minutes: forget expired sessions and delete abandoned browser uploads.
async fn housekeeping(db: sqlx::SqlitePool, data_dir: std::path::PathBuf) {
    let store = SqliteSessionStore::new(db.clone());
    // The first pass waits a full period: nothing has had time to expire right after start-up.
    let period = std::time::Duration::from_secs(600);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tick.tick().await;
        match crate::tus::store::delete_expired(&db, &data_dir).await {
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
