//! tus uploads: their rows (all SQL for `tus_uploads`) and their files, written as bytes arrive.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use sqlx::SqlitePool;
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

use super::TusError;
use crate::db::now;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TusUpload {
    pub id: String,
    pub length: i64,
    pub received: i64,
    pub metadata: String,
    pub expires_at: i64,
    pub completed_at: Option<i64>,
}

/// A whole upload, ready to become a job.
#[derive(Debug, Clone)]
pub struct FinishedUpload {
    pub path: PathBuf,
    pub size: u64,
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

pub async fn create(
    db: &SqlitePool,
    data_dir: &Path,
    length: u64,
    metadata: &HashMap<String, String>,
    ttl_secs: i64,
) -> Result<TusUpload, TusError> {
    let id = crate::crypto::random_token(16);
    tokio::fs::create_dir_all(dir(data_dir)).await?;
    tokio::fs::File::create(file(data_dir, &id)).await?;
    let meta = serde_json::to_string(metadata).unwrap_or_else(|_| "{}".into());
    let t = now();
    sqlx::query("INSERT INTO tus_uploads (id, length, metadata, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(length as i64)
        .bind(&meta)
        .bind(t)
        .bind(t + ttl_secs)
        .execute(db)
        .await?;
    get(db, &id).await
}

/// The upload, if it exists and has not expired.
pub async fn get(db: &SqlitePool, id: &str) -> Result<TusUpload, TusError> {
    check_id(id)?;
    let row: Option<TusUpload> = sqlx::query_as(
        "SELECT id, length, received, metadata, expires_at, completed_at FROM tus_uploads WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    let upload = row.ok_or(TusError::NotFound)?;
    if upload.expires_at <= now() {
        return Err(TusError::Expired);
    }
    Ok(upload)
}

/// One writer per upload: two PATCHes at once would interleave bytes.
#[derive(Default, Clone)]
pub struct Writers(Arc<Mutex<HashSet<String>>>);

struct WriterGuard(Writers, String);

impl Drop for WriterGuard {
    fn drop(&mut self) {
        if let Ok(mut set) = (self.0).0.lock() {
            set.remove(&self.1);
        }
    }
}

impl Writers {
    fn claim(&self, id: &str) -> Result<WriterGuard, TusError> {
        let mut set = self.0.lock().map_err(|_| TusError::Busy)?;
        if !set.insert(id.to_string()) {
            return Err(TusError::Busy);
        }
        Ok(WriterGuard(self.clone(), id.to_string()))
    }
}

/// Appends a PATCH body at `offset`, streaming to disk. The bytes that arrived are kept and
/// counted even when the connection drops halfway, so the client resumes from there.
pub async fn append<S, E>(
    db: &SqlitePool,
    data_dir: &Path,
    writers: &Writers,
    id: &str,
    offset: u64,
    mut body: S,
    ttl_secs: i64,
) -> Result<TusUpload, TusError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let _guard = writers.claim(id)?;
    let upload = get(db, id).await?;
    let (length, mut received) = (upload.length as u64, upload.received as u64);
    if offset != received {
        return Err(TusError::OffsetMismatch {
            expected: received,
            given: offset,
        });
    }
    let mut f = tokio::fs::OpenOptions::new()
        .write(true)
        .open(file(data_dir, id))
        .await?;
    // A crash after writing but before recording the offset leaves extra bytes: cut them.
    f.set_len(received).await?;
    f.seek(std::io::SeekFrom::Start(received)).await?;
    let mut failure = None;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(bytes) => {
                if received + bytes.len() as u64 > length {
                    failure = Some(TusError::PastLength);
                    break;
                }
                f.write_all(&bytes).await?;
                received += bytes.len() as u64;
            }
            Err(e) => {
                // The client went away; what arrived is kept for the resume.
                failure = Some(TusError::BadRequest(format!(
                    "the upload was interrupted: {e}"
                )));
                break;
            }
        }
    }
    f.flush().await?;
    f.sync_data().await?;
    let completed = (received == length).then(now);
    // A finished upload gets a fresh lifetime, so the owner has time to fill in the form.
    let expires = if completed.is_some() {
        now() + ttl_secs
    } else {
        upload.expires_at
    };
    sqlx::query(
        "UPDATE tus_uploads SET received = ?, completed_at = ?, expires_at = ? WHERE id = ?",
    )
    .bind(received as i64)
    .bind(completed)
    .bind(expires)
    .bind(id)
    .execute(db)
    .await?;
    match failure {
        Some(e) => Err(e),
        None => get(db, id).await,
    }
}

/// Termination: deletes the upload and its bytes.
pub async fn remove(db: &SqlitePool, data_dir: &Path, id: &str) -> Result<(), TusError> {
    check_id(id)?;
    let n = sqlx::query("DELETE FROM tus_uploads WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?
        .rows_affected();
    match tokio::fs::remove_file(file(data_dir, id)).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    if n == 0 {
        Err(TusError::NotFound)
    } else {
        Ok(())
    }
}

/// A complete, unexpired upload by id; `None` while bytes are still missing or when unknown.
pub async fn finished(
    db: &SqlitePool,
    data_dir: &Path,
    id: &str,
) -> Result<Option<FinishedUpload>, TusError> {
    let upload = match get(db, id).await {
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
        metadata: serde_json::from_str(&upload.metadata).unwrap_or_default(),
    }))
}

/// Deletes uploads past their lifetime (abandoned halfway, or finished but never posted).
pub async fn delete_expired(db: &SqlitePool, data_dir: &Path) -> Result<usize, TusError> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tus_uploads WHERE expires_at <= ?")
        .bind(now())
        .fetch_all(db)
        .await?;
    for id in &ids {
        let _ = remove(db, data_dir, id).await;
    }
    Ok(ids.len())
}
