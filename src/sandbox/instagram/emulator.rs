//! The Instagram emulator as the app factory sees it: built once, mounted in each HTTP worker.

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web;
use sqlx::SqlitePool;

use super::settings::InstagramSandboxSettings;
use super::{State, fetcher, routes};
use crate::clock::Clock;
use crate::sandbox::gate::Gate;

#[derive(Clone)]
pub struct InstagramSandbox {
    state: Arc<State>,
}

impl InstagramSandbox {
    /// `origin` is where the sandbox is reached (Cast's `BASE_URL` origin), `files_dir` where
    /// fetched media go (`DATA_DIR/sandbox/instagram`), `redirect_uri` the app's one registered
    /// redirect URI (`{BASE_URL}/auth/instagram/callback`). The redirect URI's origin is the one
    /// place a `video_url` may be plain http or an IP address (the sandbox is local).
    pub fn new(
        settings: InstagramSandboxSettings,
        db: SqlitePool,
        clock: Clock,
        gate: Gate,
        origin: String,
        files_dir: PathBuf,
        redirect_uri: String,
    ) -> Self {
        Self {
            state: Arc::new(State::new(
                settings,
                db,
                clock,
                gate,
                origin,
                files_dir,
                redirect_uri,
            )),
        }
    }

    /// Mounts the sandbox's scope at `/sandbox/instagram`. Call once per worker: the state is
    /// shared, so limits and faults hold across workers.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        routes::configure(cfg, web::Data::from(self.state.clone()));
    }

    /// Starts every fetch that is due by the sandbox's clock and waits until no fetch is
    /// running. Tests call this after moving the clock, instead of sleeping.
    pub async fn settle(&self) {
        fetcher::settle(&self.state).await;
    }
}
