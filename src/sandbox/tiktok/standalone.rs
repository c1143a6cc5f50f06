//! The sandbox alone on a loopback port, for tests of Cast's TikTok client over real HTTP.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer};
use sqlx::SqlitePool;

use super::{MOUNT, Placement, TikTokSandbox};
use crate::config::TikTokSandboxSettings as SandboxSettings;
use crate::sandbox::gate::OpenGate;

/// A running standalone sandbox.
///
/// **For tests only.** It binds 127.0.0.1 with `OpenGate`: the consent page and the `_` pages
/// are open to anything on this machine, and the consent form's token is
/// `crate::sandbox::gate::OPEN_GATE_TOKEN`. A test gets a code by posting the consent form directly, e.g.
/// `POST {base_url}/v2/auth/authorize/` with `client_key=cast-sandbox`, `response_type=code`,
/// `redirect_uri`, `scope`, `state`, `username`, `scopes` (once per ticked scope) and
/// `decision=authorize`, and reading `code` from the redirect's `Location`.
pub struct StandaloneSandbox {
    origin: String,
    handle: ServerHandle,
    db: SqlitePool,
}

impl StandaloneSandbox {
    /// The API base, TikTok's `https://open.tiktokapis.com` here: `http://127.0.0.1:PORT/sandbox/tiktok`.
    pub fn base_url(&self) -> String {
        format!("{}{MOUNT}", self.origin)
    }

    /// The consent page, TikTok's `https://www.tiktok.com/v2/auth/authorize/` here.
    pub fn auth_url(&self) -> String {
        format!("{}/v2/auth/authorize/", self.base_url())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The sandbox's database, for tests that inspect or arrange its state.
    pub fn db(&self) -> &SqlitePool {
        &self.db
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        self.db.close().await;
    }
}

/// Starts the sandbox routes alone on `127.0.0.1:0`, with their own database
/// (`data_dir/sandbox.db`) and received files (`data_dir/sandbox/`). `redirect_uri` is the one
/// redirect URI registered for the client `cast-sandbox`. Must be called inside a Tokio runtime.
pub async fn start_standalone(
    settings: SandboxSettings,
    data_dir: &Path,
    redirect_uri: String,
) -> std::io::Result<StandaloneSandbox> {
    std::fs::create_dir_all(data_dir)?;
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let origin = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let db = crate::db::connect(&data_dir.join("sandbox.db"))
        .await
        .map_err(std::io::Error::other)?;
    let sandbox = TikTokSandbox::new(
        settings,
        db.clone(),
        crate::clock::Clock::system(),
        Arc::new(OpenGate),
        Placement {
            origin: origin.clone(),
            files_dir: data_dir.join("sandbox"),
            redirect_uri,
        },
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
    tracing::info!(%origin, "sandbox: standalone server started");
    Ok(StandaloneSandbox { origin, handle, db })
}
