//! Browser uploads as the rest of Cast uses them: every call takes its time from the app's clock
//! and its caps from the settings, so handlers pass header values and nothing else.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use sqlx::SqlitePool;

use super::TusError;
use super::store::{self, FinishedUpload, TusUpload, Writers};
use crate::clock::Clock;
use crate::config::Limits;
use crate::disk::DiskSpace;

#[derive(Clone)]
pub struct BrowserUploads {
    db: SqlitePool,
    clock: Clock,
    data_dir: PathBuf,
    writers: Writers,
    ttl_secs: i64,
    max_bytes: u64,
    limits: Limits,
    disk: DiskSpace,
}

impl BrowserUploads {
    pub fn new(
        db: SqlitePool,
        clock: Clock,
        data_dir: PathBuf,
        ttl: Duration,
        max_bytes: u64,
        limits: Limits,
        disk: DiskSpace,
    ) -> Self {
        Self {
            db,
            clock,
            data_dir,
            writers: Writers::default(),
            // An upload gets at least a minute between two PATCHes, whatever the setting.
            ttl_secs: ttl.as_secs().max(60) as i64,
            max_bytes,
            limits,
            disk,
        }
    }

    /// The largest video accepted (`Tus-Max-Size`).
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Creation: checks the declared length and the caps on unfinished uploads (how many, how
    /// many bytes together, and room on the disk for what they still have to send), then makes
    /// the empty upload.
    pub async fn create(
        &self,
        length: Option<&str>,
        metadata: Option<&str>,
    ) -> Result<TusUpload, TusError> {
        let length = super::upload_length(length, self.max_bytes)?;
        let metadata: HashMap<String, String> = super::parse_metadata(metadata.unwrap_or(""))?;
        let open = store::unfinished(&self.db, &self.clock).await?;
        if open.count >= u64::from(self.limits.max_unfinished_uploads) {
            return Err(TusError::TooManyUnfinished {
                max: self.limits.max_unfinished_uploads,
            });
        }
        if open.declared.saturating_add(length) > self.limits.max_unfinished_bytes {
            return Err(TusError::UnfinishedTooLarge {
                max_mb: self.limits.max_unfinished_bytes / 1_000_000,
            });
        }
        self.disk.ensure_room(
            &store::dir(&self.data_dir),
            length.saturating_add(open.missing),
            self.limits.disk_reserve_bytes,
        )?;
        store::create(
            &self.db,
            &self.clock,
            &self.data_dir,
            length,
            &metadata,
            self.ttl_secs,
        )
        .await
    }

    /// Where an upload's bytes land, finished or not (a post accepted early points at it).
    pub fn file_path(&self, id: &str) -> PathBuf {
        store::dir(&self.data_dir).join(id)
    }

    /// Fires when an upload records progress or a PATCH ends (see `Writers::changed`); the
    /// relay also fires it when a video check concludes.
    pub fn changes(&self) -> &tokio::sync::Notify {
        self.writers.changed()
    }

    /// Whether a PATCH is writing to `id` now.
    pub fn is_writing(&self, id: &str) -> bool {
        self.writers.is_writing(id)
    }

    pub async fn get(&self, id: &str) -> Result<TusUpload, TusError> {
        store::get(&self.db, &self.clock, id).await
    }

    /// A PATCH body, streamed to the file (see `store::append`).
    pub async fn append<S, E>(&self, id: &str, offset: u64, body: S) -> Result<TusUpload, TusError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Into<TusError>,
    {
        store::append(
            &self.db,
            &self.clock,
            &self.data_dir,
            &self.writers,
            id,
            offset,
            body,
            self.ttl_secs,
        )
        .await
    }

    /// Termination (DELETE), refused while a PATCH is writing.
    pub async fn terminate(&self, id: &str) -> Result<(), TusError> {
        store::terminate(&self.db, &self.data_dir, &self.writers, id).await
    }

    /// A complete upload, left in place (to check a video before the owner publishes it).
    pub async fn finished(&self, id: &str) -> Result<Option<FinishedUpload>, TusError> {
        store::finished(&self.db, &self.clock, &self.data_dir, id).await
    }

    /// Claims a complete upload once; its file is then the caller's.
    pub async fn take(&self, id: &str) -> Result<Option<FinishedUpload>, TusError> {
        store::take(&self.db, &self.clock, &self.data_dir, id).await
    }

    /// Deletes an upload and its bytes (once a post has its own copy).
    pub async fn remove(&self, id: &str) -> Result<(), TusError> {
        store::remove(&self.db, &self.data_dir, id).await
    }

    /// Deletes abandoned uploads and files no upload accounts for; how many went.
    pub async fn delete_expired(&self) -> Result<usize, TusError> {
        store::delete_expired(&self.db, &self.clock, &self.data_dir).await
    }
}
