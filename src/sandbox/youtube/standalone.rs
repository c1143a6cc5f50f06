//! The YouTube sandbox alone on a loopback port, for tests of Cast's YouTube client over real
//! HTTP.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer};
use sqlx::SqlitePool;

use super::sandbox::{YouTubeSandbox, api_base, auth_base, oauth_base};
use crate::clock::Clock;
use crate::config::youtube_sandbox::YouTubeSandboxSettings;
use crate::sandbox::gate::OpenGate;

/// A running standalone YouTube sandbox.
///
/// **For tests only.** It binds 127.0.0.1 with `OpenGate`: the consent page and the `_` pages
/// are open to anything on this machine, and the consent form's token is
/// `crate::sandbox::gate::OPEN_GATE_TOKEN`.
pub struct StandaloneYouTube {
    origin: String,
    handle: ServerHandle,
    db: SqlitePool,
}

impl StandaloneYouTube {
    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> &str {
        &self.origin
    }
    /// Stands for `https://accounts.google.com`.
    pub fn auth_base(&self) -> String {
        auth_base(&self.origin)
    }
    /// Stands for `https://oauth2.googleapis.com`.
    pub fn oauth_base(&self) -> String {
        oauth_base(&self.origin)
    }
    /// Stands for `https://www.googleapis.com`.
    pub fn api_base(&self) -> String {
        api_base(&self.origin)
    }
    /// The sandbox's database, for tests that inspect its state.
    pub fn db(&self) -> &SqlitePool {
        &self.db
    }
    /// Stops the server, letting requests in flight finish.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        self.db.close().await;
    }
}

/// Starts the sandbox alone on `127.0.0.1:0`, with its own database (`data_dir/sandbox.db`) and
/// received files (`data_dir/sandbox/youtube/`). `redirect_uri` is the one registered for the
/// client `cast-sandbox.apps.googleusercontent.com`. Must be called inside a Tokio runtime.
pub async fn start_standalone(
    settings: YouTubeSandboxSettings,
    data_dir: &Path,
    redirect_uri: String,
    clock: Clock,
) -> std::io::Result<StandaloneYouTube> {
    std::fs::create_dir_all(data_dir)?;
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let origin = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let db = crate::db::connect(&data_dir.join("sandbox.db"))
        .await
        .map_err(std::io::Error::other)?;
    let sandbox = YouTubeSandbox::new(
        settings,
        db.clone(),
        clock,
        Arc::new(OpenGate),
        origin.clone(),
        data_dir.join("sandbox").join("youtube"),
        redirect_uri,
    );
    let server = HttpServer::new(move || {
        let sandbox = sandbox.clone();
        App::new().configure(move |cfg| sandbox.configure(cfg))
    })
    .workers(2)
    .listen(listener)?
    .shutdown_timeout(5)
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    tracing::info!(%origin, "youtube sandbox: standalone server started");
    Ok(StandaloneYouTube { origin, handle, db })
}
