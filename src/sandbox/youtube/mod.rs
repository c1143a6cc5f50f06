//! The YouTube sandbox: Google's consent page and OAuth endpoints and the YouTube Data API v3,
//! emulated on Cast's own port (contract section 12).
//!
//! It takes the stricter reading of every point the contract marks Unsure, so a client that
//! works here works against YouTube. It answers in Google's shapes only (`errors`), keeps its
//! own tables (`sandbox_youtube_*`) and pages, reads time from the `Clock` it is given, and asks
//! Cast only one thing, through the `Gate`: is this the owner.

mod api;
mod auth;
mod channels;
mod consent;
mod errors;
mod faults;
mod initiate;
mod media;
mod metadata;
mod owner;
mod oauth;
mod pages;
mod quota;
mod receive;
mod routes;
mod session;
pub mod settings;
mod standalone;
mod store;
mod thumbnails;
mod videos;

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web;
use sqlx::SqlitePool;

use crate::clock::Clock;
use crate::sandbox::gate::Gate;
pub use settings::YouTubeSandboxSettings;
pub use standalone::{StandaloneYouTube, start_standalone};

/// The sandbox's one OAuth client (contract section 12): public by design, since the consent
/// page needs the owner's login.
pub const CLIENT_ID: &str = "cast-sandbox.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "cast-sandbox-secret";
pub const MOUNT: &str = "/sandbox/youtube";

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
        let faults = faults::Faults::new(&settings.faults);
        Self {
            state: Arc::new(YouTubeState {
                settings,
                db,
                clock,
                gate,
                origin: origin.trim_end_matches('/').to_string(),
                files_dir,
                redirect_uri,
                faults,
                busy: receive::Busy::default(),
                hashes: receive::Hashes::default(),
            }),
        }
    }

    /// Mounts the sandbox under `/sandbox/youtube` in its own scope. Call once per worker: the
    /// state is shared, so fault counters hold across workers.
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

/// What every handler reaches.
pub(crate) struct YouTubeState {
    settings: YouTubeSandboxSettings,
    db: SqlitePool,
    clock: Clock,
    gate: Gate,
    origin: String,
    files_dir: PathBuf,
    redirect_uri: String,
    faults: faults::Faults,
    busy: receive::Busy,
    hashes: receive::Hashes,
}

impl YouTubeState {
    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// An absolute URL below the mount point.
    fn url(&self, path: &str) -> String {
        format!("{}{MOUNT}{path}", self.origin)
    }
}
