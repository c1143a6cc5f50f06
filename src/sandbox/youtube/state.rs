//! What every handler of the YouTube sandbox reaches: its settings, tables, clock and gate, and
//! where its files and pages are.

use std::path::PathBuf;

use sqlx::SqlitePool;

use super::faults::Faults;
use super::receive::{Busy, Hashes};
use crate::clock::Clock;
use crate::config::youtube_sandbox::YouTubeSandboxSettings;
use crate::sandbox::gate::Gate;

/// The sandbox's one OAuth client (contract section 12): public by design, since the consent
/// page needs the owner's login.
pub const CLIENT_ID: &str = "cast-sandbox.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "cast-sandbox-secret";
pub const MOUNT: &str = "/sandbox/youtube";

pub(crate) struct YouTubeState {
    pub(super) settings: YouTubeSandboxSettings,
    pub(super) db: SqlitePool,
    pub(super) clock: Clock,
    pub(super) gate: Gate,
    /// Where clients reach the sandbox, without a trailing slash.
    pub(super) origin: String,
    pub(super) files_dir: PathBuf,
    pub(super) redirect_uri: String,
    pub(super) faults: Faults,
    pub(super) busy: Busy,
    pub(super) hashes: Hashes,
}

impl YouTubeState {
    pub(super) fn new(
        settings: YouTubeSandboxSettings,
        db: SqlitePool,
        clock: Clock,
        gate: Gate,
        origin: String,
        files_dir: PathBuf,
        redirect_uri: String,
    ) -> Self {
        Self {
            faults: Faults::new(&settings.faults),
            settings,
            db,
            clock,
            gate,
            origin: origin.trim_end_matches('/').to_string(),
            files_dir,
            redirect_uri,
            busy: Busy::default(),
            hashes: Hashes::default(),
        }
    }

    pub(super) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// An absolute URL below the mount point.
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{MOUNT}{path}", self.origin)
    }

    pub(super) fn avatar_url(&self, channel_id: &str) -> String {
        self.url(&format!("/_/avatar/{channel_id}.svg"))
    }

    pub(super) fn thumbnail_url(&self, video_id: &str) -> String {
        self.url(&format!("/_/thumbnail/{video_id}"))
    }

    /// Where a session's bytes are kept: named by the random upload id, never by client input.
    pub(super) fn video_path(&self, upload_id: &str) -> PathBuf {
        self.files_dir.join(format!("{upload_id}.video"))
    }

    pub(super) fn thumb_path(&self, video_id: &str) -> PathBuf {
        self.files_dir.join(format!("{video_id}.thumb"))
    }
}
