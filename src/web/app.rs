//! The app factory: the one place that knows which platforms are real and which are emulated.
//! It builds every service, mounts the emulators' scopes beside Cast's, binds the listener, and
//! runs the server and the background tasks under one supervisor.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use tokio::sync::Notify;
use tracing_actix_web::TracingLogger;

use super::background::{housekeeping, named, shutdown_signal};
use super::emulators::Emulators;
use super::services::Services;
use super::state::AppState;
use super::{form_token, middleware, request_span, routes};
use crate::accounts::Accounts;
use crate::accounts::gateway::{Refresh, run_refresher};
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::{CryptoError, Keys};
use crate::data_dir::{DataDirError, DataDirLock};
use crate::db::{self, DbError};
use crate::disk::DiskSpace;
use crate::links::Links;
use crate::notify::{Notifier, NotifyError};
use crate::owner::device::Devices;
use crate::owner::login::Login;
use crate::owner::{Owner, OwnerError};
use crate::platforms::tiktok::TikTok;
use crate::platforms::tiktok::webhook::{CoreEffects, TikTokWebhooks};
use crate::platforms::youtube::YouTube;
use crate::posts::{Posts, STOP_GRACE};
use crate::sandbox::instagram::InstagramSandbox;
use crate::sandbox::tiktok::TikTokSandbox;
use crate::session_store::SqliteSessionStore;
use crate::tus::BrowserUploads;

/// How long the HTTP server lets requests in flight finish once the worker has stopped. With the
/// worker's `STOP_GRACE` this bounds a stop: `SHUTDOWN_BOUND` (under deploy/cast.service's
/// TimeoutStopSec=30).
const SERVER_GRACE: Duration = Duration::from_secs(5);
/// The longest a stop takes, from SIGTERM to exit.
pub const SHUTDOWN_BOUND: Duration = Duration::from_secs(25);

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
    #[error("cannot set up notifications: {0}")]
    Notify(#[from] NotifyError),
    #[error("cannot start the HTTP server: {0}")]
    Server(std::io::Error),
}

/// How this process runs beside its settings: which clock it reads and whether the worker
/// runs by itself. Production takes the default; tests take a manual clock and step the worker.
#[derive(Clone, Default)]
pub struct Runtime {
    pub clock: Clock,
    /// When true neither the worker nor the notifier's delivery runs by itself: the test calls
    /// `Posts::try_execute_job` / `run_until_idle` and `Notifier::deliver_due`.
    pub manual_worker: bool,
}

/// Asks a running Cast to stop in order: the worker first (its step in flight finishes its
/// chunk, its leases are released), then the server (which, emulators included, must outlive
/// the worker's last request).
#[derive(Clone, Default)]
pub struct Stopper(Arc<Notify>);

impl Stopper {
    pub fn stop(&self) {
        self.0.notify_one();
    }
}

/// Cast, built and listening, ready to run. `main` and every test build it the same way.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    links: web::Data<Links>,
    setup_token: Option<String>,
    runtime: Runtime,
    db: sqlx::SqlitePool,
    stopper: Stopper,
    refreshers: Vec<Arc<dyn Refresh>>,
    tiktok_webhooks: TikTokWebhooks,
    tiktok_sandbox: Option<TikTokSandbox>,
    instagram_sandbox: Option<InstagramSandbox>,
    /// Held for as long as the app runs: no second Cast can start on this data folder.
    _lock: DataDirLock,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartError> {
        Self::build_with(config, Runtime::default()).await
    }

    pub async fn build_with(mut config: Config, runtime: Runtime) -> Result<Self, StartError> {
        // The lock comes before anything that touches the folder's contents: a second Cast must
        // not release the first one's leases or delete its uploads in progress.
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
        let clock = runtime.clock.clone();
        let owner = Owner::new(db.clone(), clock.clone());
        let setup_token = owner.issue_setup_link().await?;
        let services = Services::build(&config, &db, &keys, &clock, owner)?;
        // Before serving: a check the previous process was running died with it.
        if let Err(e) = services.posts.reset_checks().await {
            tracing::warn!(error = %e, "could not reset the video checks cut short");
        }
        let emulators = Emulators::build(&config, &db, &clock, &services.owner);
        let refreshers: Vec<Arc<dyn Refresh>> = vec![
            Arc::new(services.tiktok.gateway().clone()),
            Arc::new(services.youtube.gateway().clone()),
            Arc::new(services.instagram.gateway().clone()),
        ];
        let tiktok_webhooks = TikTokWebhooks::from_config(&config, db.clone(), clock.clone());
        let webhooks_data = web::Data::new(tiktok_webhooks.clone());
        let tiktok_sandbox = emulators.tiktok.clone();
        let instagram_sandbox = emulators.instagram.clone();
        let session_key = Key::from(&keys.derive("session-cookie"));
        let secure = config.cookies_secure();
        let session_ttl =
            actix_web::cookie::time::Duration::seconds(config.session_ttl.as_secs() as i64);
        let stalled_client = config.limits.stalled_client;
        let state = web::Data::new(AppState {
            emulated: emulators.named(),
            config,
            clock: clock.clone(),
            form_tokens: form_token::FormTokens::new(keys.signer("visitor-form"), secure),
            owner: services.owner,
            login: Arc::new(Login::new(
                db.clone(),
                Devices::new(keys.signer("known-browser")),
                clock.clone(),
            )),
            disk: services.disk,
            health: crate::db::Health::new(db.clone()),
            tus: services.tus,
            accounts: services.accounts,
            connections: services.connections,
            posts: services.posts,
            tiktok: services.tiktok,
            youtube: services.youtube,
            instagram: services.instagram,
            notifier: services.notifier,
        });
        let links = web::Data::new(services.links);
        let app_state = state.clone();
        let app_links = links.clone();
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
                .app_data(app_links.clone())
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
        .client_request_timeout(stalled_client.min(Duration::from_secs(10)))
        // Cast handles SIGTERM itself (`run_until_stopped`): the worker stops before the server.
        .disable_signals()
        .listen(listener)
        .map_err(StartError::Server)?
        .shutdown_timeout(SERVER_GRACE.as_secs())
        .run();
        Ok(Self {
            port,
            server,
            state,
            links,
            setup_token,
            runtime,
            db,
            stopper: Stopper::default(),
            refreshers,
            tiktok_webhooks,
            tiktok_sandbox,
            instagram_sandbox,
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
    pub fn browser_uploads(&self) -> &BrowserUploads {
        &self.state.tus
    }

    /// The one-time setup token, when no password is set yet.
    pub fn setup_token(&self) -> Option<&str> {
        self.setup_token.as_deref()
    }

    /// Stops Cast in order from elsewhere (tests restart Cast on the same data folder).
    /// Public media links: made and revoked by platform jobs, served at `/m/`.
    pub fn links(&self) -> &Links {
        &self.links
    }

    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    pub fn accounts(&self) -> &Accounts {
        &self.state.accounts
    }

    /// The publishing core; tests drive its worker (`try_execute_job`, `run_until_idle`).
    pub fn posts(&self) -> &Posts {
        &self.state.posts
    }

    pub fn notifier(&self) -> &Notifier {
        &self.state.notifier
    }

    pub fn tiktok(&self) -> &Arc<TikTok> {
        &self.state.tiktok
    }

    /// TikTok's webhooks as received; tests make processors over them and step them.
    pub fn tiktok_webhooks(&self) -> &TikTokWebhooks {
        &self.tiktok_webhooks
    }

    /// What a TikTok webhook does to Cast's posts and accounts: the effects the processor
    /// applies (tests step a processor over them, as the worker is stepped).
    pub fn tiktok_webhook_effects(&self) -> Arc<CoreEffects> {
        Arc::new(CoreEffects::new(
            self.state.posts.clone(),
            self.state.accounts.clone(),
            self.state.tiktok.clone(),
        ))
    }

    /// The TikTok emulator, when TikTok runs against it; tests step its webhooks.
    pub fn tiktok_sandbox(&self) -> Option<&TikTokSandbox> {
        self.tiktok_sandbox.as_ref()
    }

    pub fn youtube(&self) -> &Arc<YouTube> {
        &self.state.youtube
    }

    /// The Instagram emulator, when Instagram runs against it; tests settle its fetches.
    pub fn instagram_sandbox(&self) -> Option<&InstagramSandbox> {
        self.instagram_sandbox.as_ref()
    }

    /// Serves until SIGTERM/SIGINT or `Stopper::stop`, with the background tasks beside it
    /// under one supervisor, which logs which task stopped and why. A stop takes at most
    /// `SHUTDOWN_BOUND`: the worker first (`STOP_GRACE` for the chunk in flight, then its
    /// leases released), then the server (`SERVER_GRACE`).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let webhook_effects = self.tiktok_webhook_effects();
        let handle = self.server.handle();
        let mut server = tokio::spawn(self.server);
        let posts = self.state.posts.clone();
        let mut worker =
            (!self.runtime.manual_worker).then(|| tokio::spawn(posts.clone().run_worker()));
        let mut background = tokio::task::JoinSet::new();
        background.spawn(named("token refresher", run_refresher(self.refreshers)));
        background.spawn(named(
            "housekeeping",
            housekeeping(
                self.state.tus.clone(),
                SqliteSessionStore::new(self.db.clone(), self.state.clock.clone()),
                posts.clone(),
            ),
        ));
        if !self.runtime.manual_worker {
            background.spawn(named(
                "notification delivery",
                self.state.notifier.clone().run(),
            ));
            // Stepped by tests with a manual worker, like the posts' worker.
            let processor = self.tiktok_webhooks.processor(webhook_effects);
            background.spawn(named("TikTok webhooks", processor.run()));
            if let Some(sandbox) = self.tiktok_sandbox.clone() {
                background.spawn(named(
                    "the TikTok sandbox's webhooks",
                    sandbox.run_webhooks(),
                ));
            }
        }
        let stopper = self.stopper.0.clone();
        let why = tokio::select! {
            _ = shutdown_signal() => "a signal asked Cast to stop".to_string(),
            _ = stopper.notified() => "Cast was asked to stop".to_string(),
            ended = &mut server => format!("the HTTP server stopped: {ended:?}"),
            Some(ended) = async { match worker.as_mut() { Some(w) => Some(w.await), None => std::future::pending().await } } => {
                worker = None;
                format!("the worker stopped: {ended:?}")
            }
            Some(ended) = background.join_next() => format!("a background task stopped: {ended:?}"),
        };
        tracing::info!(why, "Cast is stopping");
        let started = std::time::Instant::now();
        posts.stop();
        if let Some(worker) = worker {
            // The worker bounds itself (STOP_GRACE); this only guards against a hang in it.
            if tokio::time::timeout(STOP_GRACE + Duration::from_secs(3), worker)
                .await
                .is_err()
            {
                tracing::error!("the worker did not stop in time");
            }
        }
        background.abort_all();
        handle.stop(true).await;
        let result = match server.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        };
        tracing::info!(
            took_ms = started.elapsed().as_millis() as u64,
            "Cast stopped"
        );
        result
    }
}
