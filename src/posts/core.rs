//! What every part of the publishing core shares: the database, the platforms, the clock, the
//! notifier, the settings, and the worker's identity and wake-up.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::Notify;

use super::repository;
use super::spool;
use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::links::Links;
use crate::notify::Notifier;
use crate::platforms::Platforms;
use crate::tus::BrowserUploads;

#[derive(Debug, Clone)]
pub struct PostSettings {
    pub spool_dir: PathBuf,
    pub max_upload_bytes: u64,
    /// 0: a post's video is deleted as soon as no target needs it.
    pub spool_retention: Duration,
    /// Cast's address, for links in notifications.
    pub base_url: String,
    /// Targets moved at once (each account one at a time).
    pub concurrency: usize,
    /// The longest one step may take (app clock); then it is cut and its target tried again.
    pub step_deadline: Duration,
    /// A step sending chunks yields after this much of its own time (app clock), so no
    /// upload holds its lease for long and a stop never waits for more than a chunk.
    pub slice: Duration,
}

impl PostSettings {
    pub const STEP_DEADLINE: Duration = Duration::from_secs(10 * 60);
    pub const SLICE: Duration = Duration::from_secs(60);
}

pub struct Core {
    pub db: SqlitePool,
    pub platforms: Platforms,
    pub accounts: Accounts,
    pub tus: BrowserUploads,
    pub notifier: Notifier,
    pub clock: Clock,
    pub settings: PostSettings,
    /// Public media links of the targets: revoked when the owner cancels one.
    pub links: Links,
    /// A new or retried target wakes the worker before its idle wait ends.
    pub wake: Notify,
    /// Names the leases this process holds.
    pub worker_id: String,
    stopping: AtomicBool,
    pub stopped: Notify,
}

impl Core {
    // Each is a separate service the core shares with the web side; a bundle would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: SqlitePool,
        platforms: Platforms,
        accounts: Accounts,
        tus: BrowserUploads,
        notifier: Notifier,
        clock: Clock,
        settings: PostSettings,
        links: Links,
    ) -> Self {
        Self {
            db,
            platforms,
            accounts,
            tus,
            notifier,
            clock,
            settings,
            links,
            wake: Notify::new(),
            worker_id: format!("worker-{}", crate::crypto::random_token(6)),
            stopping: AtomicBool::new(false),
            stopped: Notify::new(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.stopped.notify_waiters();
        self.wake.notify_waiters();
    }

    /// The post's page on Cast.
    pub fn post_url(&self, post_id: &str) -> String {
        format!("{}/posts/{post_id}", self.settings.base_url)
    }

    /// Deletes a post's video once no target of it needs it any more, and records that first,
    /// so that targets added to the post meanwhile never lose the file they were promised.
    pub async fn release_video(&self, post_id: &str, path: &str) {
        match repository::claim_spool_deletion(&self.db, post_id).await {
            Ok(true) => {
                spool::remove(std::path::Path::new(path)).await;
                // A photo post's other images are spool files of their own.
                match super::images::of_post(&self.db, post_id).await {
                    Ok(images) => {
                        for image in images {
                            spool::remove(std::path::Path::new(&image.file_path)).await;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(post_id, error = %e, "could not list the images to delete")
                    }
                }
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(post_id, error = %e, "could not tell whether the video is still needed")
            }
        }
    }
}
