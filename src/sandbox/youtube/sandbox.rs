//! The sandbox as Cast (or a test) holds it: built once, mounted in each worker.

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web;
use sqlx::SqlitePool;

use super::routes;
use super::state::{MOUNT, YouTubeState};
use crate::clock::Clock;
use crate::config::youtube_sandbox::YouTubeSandboxSettings;
use crate::sandbox::gate::Gate;

/// `https://accounts.google.com` here, for an origin such as Cast's `BASE_URL`.
pub fn auth_base(origin: &str) -> String {
    format!("{}{MOUNT}/accounts", origin.trim_end_matches('/'))
}

/// `https://oauth2.googleapis.com` here.
pub fn oauth_base(origin: &str) -> String {
    format!("{}{MOUNT}/oauth2", origin.trim_end_matches('/'))
}

/// `https://www.googleapis.com` here (`/youtube/v3` and `/upload/youtube/v3` below it).
pub fn api_base(origin: &str) -> String {
    format!("{}{MOUNT}", origin.trim_end_matches('/'))
}

#[derive(Clone)]
pub struct YouTubeSandbox {
    state: Arc<YouTubeState>,
}

impl YouTubeSandbox {
    /// `origin` is where clients reach it (Cast's `BASE_URL`), `files_dir` where received videos
    /// go (`DATA_DIR/sandbox/youtube`), `redirect_uri` the client's one registered redirect URI.
    pub fn new(
        settings: YouTubeSandboxSettings,
        db: SqlitePool,
        clock: Clock,
        gate: Gate,
        origin: String,
        files_dir: PathBuf,
        redirect_uri: String,
    ) -> Self {
        let state = YouTubeState::new(settings, db, clock, gate, origin, files_dir, redirect_uri);
        Self {
            state: Arc::new(state),
        }
    }

    /// Mounts the sandbox under `/sandbox/youtube` in its own scope. Call once per worker: the
    /// state is shared, so fault counters and locks hold across workers.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        routes::configure(cfg, web::Data::from(self.state.clone()));
    }

    pub fn auth_base(&self) -> String {
        auth_base(&self.state.origin)
    }
    pub fn oauth_base(&self) -> String {
        oauth_base(&self.state.origin)
    }
    pub fn api_base(&self) -> String {
        api_base(&self.state.origin)
    }
}
