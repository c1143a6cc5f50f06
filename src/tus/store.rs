//! tus uploads: their rows (all SQL for `tus_uploads`) and their files in `DATA_DIR/tus/{id}`,
//! written as bytes arrive.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use sqlx::SqlitePool;
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};
use tokio::sync::Notify;

use super::TusError;
use crate::clock::Clock;

/// How many bytes a PATCH writes between recording its progress. actix drops a handler whose
/// client went away, so progress recorded only at the end of a PATCH would be lost with the
/// connection; a checkpoint bounds what a resume has to send again, at the cost of one fsync.
const CHECKPOINT_BYTES: u64 = 16 * 1024 * 1024;

/// A file in `tus/` without a row (a crash between creating the file and the row, or a `take`n
/// upload whose caller failed) is garbage once nobody has touched it for this long.
const ORPHAN_GRACE: Duration = Duration::from_secs(3_600);

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TusUpload {
    pub id: String,
    pub length: i64,
    pub received: i64,
    pub metadata: String,
    pub expires_at: i64,
    pub completed_at: Option<i64>,
}

/// What the unfinished uploads hold between them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unfinished {
    pub count: u64,
    /// Bytes declared (`Upload-Length`) by all of them.
    pub declared: u64,
    /// Bytes they have yet to receive: disk they will still take.
    pub missing: u64,
}

/// Unexpired uploads not yet posted (a complete one still holds its file until it is).
pub async fn unfinished(db: &SqlitePool, clock: &Clock) -> Result<Unfinished, TusError> {
    let (count, declared, missing): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(length), 0), COALESCE(SUM(length - received), 0)
         FROM tus_uploads WHERE expires_at > ?",
    )
    .bind(clock.now())
    .fetch_one(db)
    .await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(Unfinished {
        count: n(count),
        declared: n(declared),
        missing: n(missing),
    })
}

/// A whole upload, ready to become a job.
#[derive(Debug, Clone)]
pub struct FinishedUpload {
    pub path: PathBuf,
    pub size: u64,
    /// `Upload-Metadata` as sent by the client (tus-js-client sends `filename` and `filetype`).
    pub metadata: HashMap<String, String>,
}

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("tus")
}

fn file(data_dir: &Path, id: &str) -> PathBuf {
    dir(data_dir).join(id)
}

/// Ids are ours (random, URL-safe); anything else in a path is refused before touching the disk.
fn check_id(id: &str) -> Result<(), TusError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err(TusError::NotFound) }
}

fn metadata_of(json: &str) -> HashMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

#[tracing::instrument(skip(db, clock, data_dir, metadata))]
pub async fn create(
    db: &SqlitePool,
    clock: &Clock,
    data_dir: &Path,
    length: u64,
    metadata: &HashMap<String, String>,
    ttl_secs: i64,
) -> Result<TusUpload, TusError> {
    let id = crate::crypto::random_token(16);
    tokio::fs::create_dir_all(dir(data_dir)).await?;
    tokio::fs::File::create(file(data_dir, &id)).await?;
    let meta = serde_json::to_string(metadata).unwrap_or_else(|_| "{}".into());
    let t = clock.now();
    sqlx::query(
        "INSERT INTO tus_uploads (id, length, metadata, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(length as i64)
    .bind(&meta)
    .bind(t)
    .bind(t + ttl_secs)
    .execute(db)
    .await?;
    get(db, clock, &id).await
}

/// The upload, if it exists and has not expired.
pub async fn get(db: &SqlitePool, clock: &Clock, id: &str) -> Result<TusUpload, TusError> {
    check_id(id)?;
    let row: Option<TusUpload> = sqlx::query_as(
        "SELECT id, length, received, metadata, expires_at, completed_at FROM tus_uploads WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    let upload = row.ok_or(TusError::NotFound)?;
    if upload.expires_at <= clock.now() {
        return Err(TusError::Expired);
    }
    Ok(upload)
}

/// One writer per upload: two PATCHes at once would interleave bytes, and a DELETE during a
/// PATCH would leave the writer recording progress for a file that is gone. It also signals
/// every recorded step and every release, for whoever relays the bytes as they arrive.
#[derive(Debug, Default, Clone)]
pub struct Writers {
    active: Arc<Mutex<HashSet<String>>>,
    changed: Arc<Notify>,
}

struct WriterGuard(Writers, String);

impl Drop for WriterGuard {
    fn drop(&mut self) {
        if let Ok(mut set) = self.0.active.lock() {
            set.remove(&self.1);
        }
        self.0.changed.notify_waiters();
    }
}

impl Writers {
    /// Refuses rather than waits: the client that lost the race retries after a HEAD, which is
    /// what tus clients do on 423.
    fn claim(&self, id: &str) -> Result<WriterGuard, TusError> {
        let mut set = self.active.lock().map_err(|_| TusError::Busy)?;
        if !set.insert(id.to_string()) {
            return Err(TusError::Busy);
        }
        drop(set);
        // A sender waiting for bytes learns at once that more are coming.
        self.changed.notify_waiters();
        Ok(WriterGuard(self.clone(), id.to_string()))
    }

    /// Fires when a writer takes an upload, after its progress is recorded, and when the writer
    /// lets go of it. Waiters arm `notified()` before reading the state they wait on, so no
    /// change slips between.
    pub fn changed(&self) -> &Notify {
        &self.changed
    }

    /// Whether a PATCH is writing to `id` now.
    pub fn is_writing(&self, id: &str) -> bool {
        self.active.lock().map(|s| s.contains(id)).unwrap_or(true)
    }
}

/// Records how far an upload got. Every write also pushes the expiry forward: an upload is
/// abandoned when nothing arrived for the whole lifetime, not when it is merely slow.
async fn record(
    db: &SqlitePool,
    clock: &Clock,
    id: &str,
    received: u64,
    completed_at: Option<i64>,
    ttl_secs: i64,
) -> Result<(), TusError> {
    sqlx::query(
        "UPDATE tus_uploads SET received = ?, completed_at = ?, expires_at = ? WHERE id = ?",
    )
    .bind(received as i64)
    .bind(completed_at)
    .bind(clock.now() + ttl_secs)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// The bytes must be on disk before the offset that counts them is recorded.
async fn sync(f: &mut tokio::fs::File) -> Result<(), TusError> {
    f.flush().await?;
    f.sync_data().await?;
    Ok(())
}

/// Appends a PATCH body at `offset`, streaming it to disk one chunk at a time (memory stays flat
/// whatever the size). What arrived is kept and counted even when the connection drops halfway,
/// so the client resumes from there.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip(db, clock, data_dir, writers, body))]
pub async fn append<S, E>(
    db: &SqlitePool,
    clock: &Clock,
    data_dir: &Path,
    writers: &Writers,
    id: &str,
    offset: u64,
    mut body: S,
    ttl_secs: i64,
) -> Result<TusUpload, TusError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<TusError>,
{
    let _guard = writers.claim(id)?;
    let upload = get(db, clock, id).await?;
    let length = upload.length as u64;
    let mut received = upload.received as u64;
    if offset != received {
        return Err(TusError::OffsetMismatch {
            expected: received,
            given: offset,
        });
    }
    // Pushes the expiry forward now, so the cleanup cannot pick this upload during a long PATCH.
    record(db, clock, id, received, upload.completed_at, ttl_secs).await?;
    let mut f = tokio::fs::OpenOptions::new()
        .write(true)
        .open(file(data_dir, id))
        .await?;
    // Bytes written after the last recorded offset (the connection or Cast died before the next
    // checkpoint) were never acknowledged: cut them, the client sends them again.
    f.set_len(received).await?;
    f.seek(std::io::SeekFrom::Start(received)).await?;
    let mut unrecorded = 0u64;
    let mut failure = None;
    while let Some(chunk) = body.next().await {
        let bytes = match chunk {
            Ok(bytes) => bytes,
            Err(e) => {
                failure = Some(e.into());
                break;
            }
        };
        if received + bytes.len() as u64 > length {
            failure = Some(TusError::PastLength);
            break;
        }
        f.write_all(&bytes).await?;
        received += bytes.len() as u64;
        unrecorded += bytes.len() as u64;
        if unrecorded >= CHECKPOINT_BYTES && received < length {
            sync(&mut f).await?;
            record(db, clock, id, received, None, ttl_secs).await?;
            writers.changed().notify_waiters();
            unrecorded = 0;
        }
    }
    sync(&mut f).await?;
    // A finished upload gets a fresh lifetime too, so the owner has time to fill in the form.
    let completed = (received == length).then(|| clock.now());
    record(db, clock, id, received, completed, ttl_secs).await?;
    match failure {
        Some(e) => Err(e),
        None => get(db, clock, id).await,
    }
}

/// Termination (DELETE): refused while a PATCH is writing to the upload.
pub async fn terminate(
    db: &SqlitePool,
    data_dir: &Path,
    writers: &Writers,
    id: &str,
) -> Result<(), TusError> {
    let _guard = writers.claim(id)?;
    remove(db, data_dir, id).await
}

/// Deletes the upload and its bytes.
pub async fn remove(db: &SqlitePool, data_dir: &Path, id: &str) -> Result<(), TusError> {
    check_id(id)?;
    let n = sqlx::query("DELETE FROM tus_uploads WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?
        .rows_affected();
    remove_file(&file(data_dir, id)).await?;
    if n == 0 {
        Err(TusError::NotFound)
    } else {
        Ok(())
    }
}

async fn remove_file(path: &Path) -> Result<(), TusError> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// A complete, unexpired upload by id; `None` while bytes are still missing or when unknown.
/// The upload stays in place: use it to check a video before the owner submits.
pub async fn finished(
    db: &SqlitePool,
    clock: &Clock,
    data_dir: &Path,
    id: &str,
) -> Result<Option<FinishedUpload>, TusError> {
    let upload = match get(db, clock, id).await {
        Ok(u) => u,
        Err(TusError::NotFound | TusError::Expired) => return Ok(None),
        Err(e) => return Err(e),
    };
    if upload.completed_at.is_none() {
        return Ok(None);
    }
    Ok(Some(FinishedUpload {
        path: file(data_dir, &upload.id),
        size: upload.length as u64,
        metadata: metadata_of(&upload.metadata),
    }))
}

/// Claims a complete, unexpired upload once: the row is deleted in the same statement that reads
/// it, so two submits of one upload cannot both get it. The file stays at `path` and is now the
/// caller's to move, link or delete (the cleanup removes it after an hour if the caller does not).
#[tracing::instrument(skip(db, clock, data_dir))]
pub async fn take(
    db: &SqlitePool,
    clock: &Clock,
    data_dir: &Path,
    id: &str,
) -> Result<Option<FinishedUpload>, TusError> {
    if check_id(id).is_err() {
        return Ok(None);
    }
    let row: Option<(i64, String)> = sqlx::query_as(
        "DELETE FROM tus_uploads WHERE id = ? AND completed_at IS NOT NULL AND expires_at > ? \
         RETURNING length, metadata",
    )
    .bind(id)
    .bind(clock.now())
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(length, metadata)| FinishedUpload {
        path: file(data_dir, id),
        size: length as u64,
        metadata: metadata_of(&metadata),
    }))
}

/// Deletes the rows of uploads whose bytes are gone (a database restored without its `tus/`
/// folder): nobody could finish them. Returns how many went.
pub async fn forget_missing_files(db: &SqlitePool, data_dir: &Path) -> Result<usize, TusError> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tus_uploads")
        .fetch_all(db)
        .await?;
    let mut forgotten = 0;
    for id in ids {
        if check_id(&id).is_ok() && !tokio::fs::try_exists(file(data_dir, &id)).await? {
            sqlx::query("DELETE FROM tus_uploads WHERE id = ?")
                .bind(&id)
                .execute(db)
                .await?;
            forgotten += 1;
        }
    }
    Ok(forgotten)
}

/// Deletes uploads past their lifetime (abandoned halfway, or finished but never posted) and
/// files no row accounts for. Returns how many uploads and files went.
#[tracing::instrument(skip_all)]
pub async fn delete_expired(
    db: &SqlitePool,
    clock: &Clock,
    data_dir: &Path,
) -> Result<usize, TusError> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tus_uploads WHERE expires_at <= ?")
        .bind(clock.now())
        .fetch_all(db)
        .await?;
    let mut deleted = 0;
    for id in &ids {
        match remove(db, data_dir, id).await {
            Ok(()) | Err(TusError::NotFound) => deleted += 1,
            Err(e) => {
                tracing::warn!(upload_id = %id, error = %e, "could not delete an expired upload")
            }
        }
    }
    Ok(deleted + delete_orphans(db, clock, data_dir).await?)
}

async fn delete_orphans(
    db: &SqlitePool,
    clock: &Clock,
    data_dir: &Path,
) -> Result<usize, TusError> {
    let mut entries = match tokio::fs::read_dir(dir(data_dir)).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let mut deleted = 0;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name();
        let Some(id) = name.to_str().filter(|id| check_id(id).is_ok()) else {
            continue;
        };
        // Judged on the app's clock, so a test can make the hour pass.
        let grace_ms = i64::try_from(ORPHAN_GRACE.as_millis()).unwrap_or(i64::MAX);
        let idle = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|t| i64::try_from(t.as_millis()).ok())
            .is_some_and(|modified_ms| clock.now_ms() - modified_ms >= grace_ms);
        if !idle {
            continue;
        }
        let known: Option<String> = sqlx::query_scalar("SELECT id FROM tus_uploads WHERE id = ?")
            .bind(id)
            .fetch_optional(db)
            .await?;
        if known.is_none() {
            remove_file(&entry.path()).await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}
