//! The TikTok sandbox: TikTok's OAuth and Content Posting API, emulated on Cast's own port.
//!
//! It follows the contract (`shared/tiktok-api.md`) and, where TikTok's documentation is unsure,
//! takes the stricter reading, so a client that works here works against TikTok. Everything it
//! answers on TikTok's paths uses TikTok's own shapes (`envelope`), never Cast's error pages.

mod auth;
mod consent;
mod creator;
mod emulator;
mod envelope;
mod errors;
mod faults;
mod in_app;
mod inflight;
mod limits;
mod oauth;
mod pages;
mod photo_rules;
mod photos;
mod pkce;
mod posts;
mod privacy;
mod processing;
mod publish;
mod pull;
mod routes;
mod rules;
mod scopes;
pub mod standalone;
mod status;
mod store;
mod upload;
mod user;
mod videos;
mod webhooks;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::SqlitePool;

use crate::clock::Clock;
use crate::config::tiktok_sandbox::{Forms, TikTokSandboxSettings as SandboxSettings};
use crate::sandbox::gate::Gate;
pub use emulator::TikTokSandbox;
pub use standalone::{StandaloneSandbox, start_standalone};
pub use webhooks::WebhookStep;

/// Where the sandbox is mounted on Cast's port.
pub const MOUNT: &str = "/sandbox/tiktok";

/// The sandbox's one built-in client (contract section 12): public by design, since the consent
/// page needs the owner's login.
pub const CLIENT_KEY: &str = "cast-sandbox";
pub const CLIENT_SECRET: &str = "cast-sandbox-secret";

/// Where the emulator stands and what it is given.
pub struct Placement {
    /// Where clients reach it (Cast's `BASE_URL`), without the mount point.
    pub origin: String,
    /// Where received videos go (`DATA_DIR/sandbox`).
    pub files_dir: PathBuf,
    /// The one redirect URI registered for its client, matched exactly.
    pub redirect_uri: String,
}

/// What every sandbox handler reaches: settings, its tables, and the in-memory counters.
pub(crate) struct SandboxState {
    settings: SandboxSettings,
    /// `settings.privacy_options`, as the sandbox's own type.
    privacy_options: Vec<privacy::PrivacyLevel>,
    db: SqlitePool,
    /// Cast's origin (or the standalone server's), without a trailing slash.
    origin: String,
    /// Where received videos are written: `DATA_DIR/sandbox/`.
    files_dir: PathBuf,
    /// The client's one registered redirect URI, matched exactly.
    redirect_uri: String,
    limits: limits::RateLimiter,
    faults: faults::Faults,
    checks: inflight::Checks,
    uploads: inflight::Busy,
    clock: Clock,
    gate: Gate,
    /// The webhooks it sends (contract §12).
    webhooks: webhooks::sender::Sender,
    /// One counter per kind of answer given in several forms (`Forms::Rotate`).
    turns: [AtomicUsize; 5],
    /// Counts the chunks stored, so a test waits for the next one instead of reading again.
    chunks: tokio::sync::watch::Sender<u64>,
}

/// The answers TikTok gives in several forms, each rotating on its own.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Turn {
    OAuthErrorStatus = 0,
    TokenType = 1,
    ChunkReply = 2,
    PostIdForm = 3,
    PostIdPending = 4,
}

impl SandboxState {
    fn new(
        settings: SandboxSettings,
        db: SqlitePool,
        clock: Clock,
        gate: Gate,
        placement: Placement,
    ) -> Self {
        let Placement {
            origin,
            files_dir,
            redirect_uri,
        } = placement;
        let faults = faults::Faults::new(&settings.faults, clock.now_ms());
        let privacy_options = settings
            .privacy_options
            .iter()
            .filter_map(|p| privacy::PrivacyLevel::parse(p))
            .collect();
        let webhooks = webhooks::sender::Sender::new(
            &settings.webhooks,
            origin.trim_end_matches('/'),
            CLIENT_SECRET,
        );
        Self {
            settings,
            privacy_options,
            db,
            origin: origin.trim_end_matches('/').to_string(),
            files_dir,
            redirect_uri,
            limits: limits::RateLimiter::default(),
            faults,
            checks: inflight::Checks::default(),
            uploads: inflight::Busy::default(),
            clock,
            gate,
            webhooks,
            turns: Default::default(),
            chunks: tokio::sync::watch::Sender::new(0),
        }
    }

    /// An absolute URL below the sandbox's mount point.
    fn url(&self, path: &str) -> String {
        format!("{}{MOUNT}{path}", self.origin)
    }

    /// Milliseconds since the Unix epoch: the sandbox's clock for every expiry and delay.
    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The form this answer takes: the pinned one, or the next of `all` in turn.
    fn pick<T: Copy>(&self, forms: Forms<T>, turn: Turn, all: &[T]) -> T {
        match forms {
            Forms::Pinned(form) => form,
            Forms::Rotate => {
                let n = self.turns[turn as usize].fetch_add(1, Ordering::Relaxed);
                all[n % all.len()]
            }
        }
    }
}
