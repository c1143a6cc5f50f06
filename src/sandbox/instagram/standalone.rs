//! The Instagram sandbox alone on a loopback port, for tests of Cast's Instagram client over
//! real HTTP.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer};
use sqlx::SqlitePool;

use super::settings::InstagramSandboxSettings;
use super::{InstagramSandbox, MOUNT};
use crate::clock::Clock;
use crate::sandbox::gate::OpenGate;

/// A running standalone Instagram sandbox.
///
/// **For tests only.** It binds 127.0.0.1 with an `OpenGate`: the consent page and the `_`
/// pages are open to anything on this machine, and the consent form's token is
/// `gate::OPEN_GATE_TOKEN`.
pub struct StandaloneInstagram {
    origin: String,
    handle: ServerHandle,
    db: SqlitePool,
    sandbox: InstagramSandbox,
}

impl StandaloneInstagram {
    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// www.instagram.com here: the consent page is `{auth_base}/oauth/authorize`.
    pub fn auth_base(&self) -> String {
        format!("{}{MOUNT}/www", self.origin)
    }

    /// api.instagram.com here: the code exchange is `{oauth_base}/oauth/access_token`.
    pub fn oauth_base(&self) -> String {
        format!("{}{MOUNT}/api", self.origin)
    }

    /// graph.instagram.com here.
    pub fn graph_base(&self) -> String {
        format!("{}{MOUNT}/graph", self.origin)
    }

    /// The owner's listing, `GET {origin}/sandbox/instagram/_/posts`.
    pub fn posts_url(&self) -> String {
        format!("{}{MOUNT}/_/posts", self.origin)
    }

    pub fn db(&self) -> &SqlitePool {
        &self.db
    }

    /// Starts every fetch due by the clock and waits until none is running.
    pub async fn settle(&self) {
        self.sandbox.settle().await;
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
        self.db.close().await;
    }
}

/// Starts the sandbox alone on `127.0.0.1:0`, with its own database (`data_dir/instagram.db`)
/// and fetched media (`data_dir/sandbox/instagram/`). `redirect_uri` is the app's one registered
/// redirect URI; its origin is where plain-http `video_url`s are allowed. Must be called inside
/// a Tokio runtime.
pub async fn start_standalone(
    settings: InstagramSandboxSettings,
    data_dir: &Path,
    redirect_uri: String,
    clock: Clock,
) -> std::io::Result<StandaloneInstagram> {
    std::fs::create_dir_all(data_dir)?;
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let origin = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let db = crate::db::connect(&data_dir.join("instagram.db"))
        .await
        .map_err(std::io::Error::other)?;
    let sandbox = InstagramSandbox::new(
        settings,
        db.clone(),
        clock,
        Arc::new(OpenGate),
        origin.clone(),
        data_dir.join("sandbox").join("instagram"),
        redirect_uri,
    );
    let app_sandbox = sandbox.clone();
    let server = HttpServer::new(move || {
        let sandbox = app_sandbox.clone();
        App::new().configure(move |cfg| sandbox.configure(cfg))
    })
    .workers(2)
    .listen(listener)?
    .shutdown_timeout(5)
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    tracing::info!(%origin, "instagram sandbox: standalone server started");
    Ok(StandaloneInstagram {
        origin,
        handle,
        db,
        sandbox,
    })
}
