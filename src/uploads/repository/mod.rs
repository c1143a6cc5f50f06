//! All SQL for the `uploads` table: reading and queueing here, the worker's transitions in
//! `steps`, the owner's actions in `actions`. Every transition names the state it expects to
//! leave, so a job cancelled (or otherwise moved) meanwhile is never overwritten; the owner's
//! actions are guarded by `lifecycle`'s table.

mod actions;
mod steps;

use sqlx::{AssertSqlSafe, SqliteExecutor};

pub use actions::{RetryFrom, cancel, check_again, retry, send_again};
pub use steps::{
    Outcome, begin_init, end_init, end_link_wait, finish, record_progress, refuse_chunk_size,
    reschedule, restart_upload, start_processing, start_upload, taken_post_ids, wait_for_link,
};

use super::UploadError;
use super::job::{Job, JobRow, JobState};
use super::post::{Mode, PostOptions};

const COLUMNS: &str = "id, open_id, mode, post_options, file_path, content_type, size, sha256, \
    state, attempts, run_at, publish_id, upload_url, upload_url_expires_at, chunk_size, \
    bytes_sent, polls, post_ids, last_error, error_code, publish_at, processing_started_at, \
    finished_at, spool_deleted, created_at, updated_at, init_started_at, orphaned_inits, \
    initiated_at, refused_chunk_sizes, link_wait_until, post_id_source, note";

/// Rows the worker still has work in: the active states, and published posts whose link
/// TikTok has not given yet.
const HAS_WORK: &str = "(state IN ('scheduled', 'queued', 'uploading', 'processing') \
    OR (state = 'published' AND link_wait_until IS NOT NULL))";

pub struct NewJob<'a> {
    pub id: &'a str,
    pub open_id: &'a str,
    pub mode: Mode,
    pub options: &'a PostOptions,
    pub file_path: &'a str,
    pub content_type: &'a str,
    pub size: u64,
    pub sha256: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub publish_at: Option<i64>,
    pub now: i64,
}

fn parse(row: Option<JobRow>) -> Result<Option<Job>, UploadError> {
    Ok(row.map(Job::try_from).transpose()?)
}

/// Inserts a job; `Ok(false)` when the idempotency key is already taken (the caller fetches that job).
pub async fn insert(db: impl SqliteExecutor<'_>, job: &NewJob<'_>) -> Result<bool, UploadError> {
    let (state, run_at) = match job.publish_at {
        Some(at) => (JobState::Scheduled, at),
        None => (JobState::Queued, job.now),
    };
    let options = serde_json::to_string(job.options)
        .map_err(|e| UploadError::Probe(format!("cannot store the post options: {e}")))?;
    let done = sqlx::query(
        "INSERT INTO uploads (id, open_id, mode, post_options, file_path, content_type, size, sha256,
             state, run_at, idempotency_key, publish_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(job.id)
    .bind(job.open_id)
    .bind(job.mode.as_str())
    .bind(options)
    .bind(job.file_path)
    .bind(job.content_type)
    .bind(job.size as i64)
    .bind(job.sha256)
    .bind(state.as_str())
    .bind(run_at)
    .bind(job.idempotency_key)
    .bind(job.publish_at)
    .bind(job.now)
    .bind(job.now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find(db: impl SqliteExecutor<'_>, id: &str) -> Result<Option<Job>, UploadError> {
    let row: Option<JobRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM uploads WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(db)
    .await?;
    parse(row)
}

pub async fn find_by_key(
    db: impl SqliteExecutor<'_>,
    key: &str,
) -> Result<Option<Job>, UploadError> {
    let row: Option<JobRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM uploads WHERE idempotency_key = ?"
    )))
    .bind(key)
    .fetch_optional(db)
    .await?;
    parse(row)
}

/// Newest first; `before` is the id of the last job of the previous page.
pub async fn list(
    db: impl SqliteExecutor<'_>,
    limit: u32,
    before: Option<&str>,
) -> Result<Vec<Job>, UploadError> {
    let rows: Vec<JobRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM uploads
         WHERE ?1 IS NULL OR (created_at, id) < (SELECT created_at, id FROM uploads WHERE id = ?1)
         ORDER BY created_at DESC, id DESC LIMIT ?2"
    )))
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| Job::try_from(r).map_err(UploadError::from))
        .collect()
}

/// Claims the job due first, atomically: one statement, so two workers never take the same job.
pub async fn claim(
    db: impl SqliteExecutor<'_>,
    now: i64,
    lease_until: i64,
) -> Result<Option<Job>, UploadError> {
    let row: Option<JobRow> = sqlx::query_as(AssertSqlSafe(format!(
        "UPDATE uploads SET lease_until = ?1, updated_at = ?2
         WHERE id = (SELECT id FROM uploads
                     WHERE {HAS_WORK} AND run_at <= ?2
                       AND (lease_until IS NULL OR lease_until < ?2)
                     ORDER BY run_at, created_at LIMIT 1)
         RETURNING {COLUMNS}"
    )))
    .bind(lease_until)
    .bind(now)
    .fetch_optional(db)
    .await?;
    parse(row)
}

/// At start: whatever held a lease died with the previous process.
pub async fn release_leases(db: impl SqliteExecutor<'_>) -> Result<u64, UploadError> {
    let done = sqlx::query("UPDATE uploads SET lease_until = NULL WHERE lease_until IS NOT NULL")
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// When the next active job falls due, for the worker's sleep.
pub async fn next_due(db: impl SqliteExecutor<'_>) -> Result<Option<i64>, UploadError> {
    let at: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT MIN(MAX(run_at, COALESCE(lease_until, 0))) FROM uploads WHERE {HAS_WORK}"
    )))
    .fetch_one(db)
    .await?;
    Ok(at)
}

pub async fn mark_spool_deleted(db: impl SqliteExecutor<'_>, id: &str) -> Result<(), UploadError> {
    sqlx::query("UPDATE uploads SET spool_deleted = 1 WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Finished jobs whose video has been kept long enough: (id, path).
pub async fn spools_to_delete(
    db: impl SqliteExecutor<'_>,
    finished_before: i64,
) -> Result<Vec<(String, String)>, UploadError> {
    Ok(sqlx::query_as(
        "SELECT id, file_path FROM uploads
         WHERE spool_deleted = 0 AND state IN ('published', 'in_inbox') AND finished_at <= ?
         LIMIT 100",
    )
    .bind(finished_before)
    .fetch_all(db)
    .await?)
}
