//! All SQL for the `uploads` table. Every transition names the state it expects to leave, so a
//! job cancelled (or otherwise moved) meanwhile is never overwritten.

use sqlx::{AssertSqlSafe, SqliteExecutor};

use super::UploadError;
use super::job::{Job, JobRow, JobState};
use super::post::{Mode, PostOptions};

const COLUMNS: &str = "id, open_id, mode, post_options, file_path, content_type, size, sha256, \
    state, attempts, run_at, publish_id, upload_url, upload_url_expires_at, chunk_size, \
    bytes_sent, polls, post_ids, last_error, error_code, publish_at, processing_started_at, \
    finished_at, spool_deleted, created_at, updated_at";

/// States the worker still has work to do in.
const ACTIVE: &str = "('scheduled', 'queued', 'uploading', 'processing')";

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
                     WHERE state IN {ACTIVE} AND run_at <= ?2
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
        "SELECT MIN(MAX(run_at, COALESCE(lease_until, 0))) FROM uploads WHERE state IN {ACTIVE}"
    )))
    .fetch_one(db)
    .await?;
    Ok(at)
}

/// Init succeeded: the job now owns a TikTok upload, with no bytes sent yet.
pub async fn start_upload(
    db: impl SqliteExecutor<'_>,
    job: &Job,
    publish_id: &str,
    upload_url: &str,
    expires_at: i64,
    chunk_size: u64,
    now: i64,
) -> Result<bool, UploadError> {
    let done = sqlx::query(
        "UPDATE uploads SET state = 'uploading', publish_id = ?, upload_url = ?,
             upload_url_expires_at = ?, chunk_size = ?, bytes_sent = 0, attempts = 0, polls = 0,
             last_error = NULL, error_code = NULL, updated_at = ?
         WHERE id = ? AND state = ?",
    )
    .bind(publish_id)
    .bind(upload_url)
    .bind(expires_at)
    .bind(chunk_size as i64)
    .bind(now)
    .bind(&job.id)
    .bind(job.state.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// After every acknowledged chunk: the progress a restart resumes from, and a longer lease.
pub async fn record_progress(
    db: impl SqliteExecutor<'_>,
    id: &str,
    bytes_sent: u64,
    lease_until: i64,
    now: i64,
) -> Result<bool, UploadError> {
    let done = sqlx::query(
        "UPDATE uploads SET bytes_sent = ?, lease_until = ?, attempts = 0, updated_at = ?
         WHERE id = ? AND state = 'uploading'",
    )
    .bind(bytes_sent as i64)
    .bind(lease_until)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The last chunk arrived: TikTok processes, Cast polls from `run_at`.
pub async fn start_processing(
    db: impl SqliteExecutor<'_>,
    id: &str,
    run_at: i64,
    now: i64,
) -> Result<bool, UploadError> {
    let done = sqlx::query(
        "UPDATE uploads SET state = 'processing', processing_started_at = ?, run_at = ?,
             lease_until = NULL, attempts = 0, polls = 0, updated_at = ?
         WHERE id = ? AND state = 'uploading'",
    )
    .bind(now)
    .bind(run_at)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Hands the job back for later, in the same state: a failure to try again (`attempts` set,
/// the error kept for the user to see), or a wait that is no failure (rate limit, next poll).
pub async fn reschedule(
    db: impl SqliteExecutor<'_>,
    job: &Job,
    run_at: i64,
    attempts: u32,
    error: Option<(&str, &str)>,
    now: i64,
) -> Result<bool, UploadError> {
    let (code, message) = error.unzip();
    let done = sqlx::query(
        "UPDATE uploads SET run_at = ?, attempts = ?, lease_until = NULL,
             error_code = COALESCE(?, error_code), last_error = COALESCE(?, last_error),
             polls = polls + (state = 'processing' AND ? IS NULL), updated_at = ?
         WHERE id = ? AND state = ?",
    )
    .bind(run_at)
    .bind(i64::from(attempts))
    .bind(code)
    .bind(message)
    .bind(code)
    .bind(now)
    .bind(&job.id)
    .bind(job.state.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets TikTok's upload (expired URL, or TikTok's `internal` failure) so the next run inits afresh.
pub async fn restart_upload(
    db: impl SqliteExecutor<'_>,
    job: &Job,
    run_at: i64,
    attempts: u32,
    error: (&str, &str),
    now: i64,
) -> Result<bool, UploadError> {
    let done = sqlx::query(
        "UPDATE uploads SET state = 'queued', publish_id = NULL, upload_url = NULL,
             upload_url_expires_at = NULL, chunk_size = NULL, bytes_sent = 0, polls = 0,
             processing_started_at = NULL, run_at = ?, attempts = ?, lease_until = NULL,
             error_code = ?, last_error = ?, updated_at = ?
         WHERE id = ? AND state = ?",
    )
    .bind(run_at)
    .bind(i64::from(attempts))
    .bind(error.0)
    .bind(error.1)
    .bind(now)
    .bind(&job.id)
    .bind(job.state.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A final state, from the state the worker last saw. Success clears the last transient error.
pub async fn finish(
    db: impl SqliteExecutor<'_>,
    job: &Job,
    to: JobState,
    post_ids: &[String],
    error: Option<(&str, &str)>,
    now: i64,
) -> Result<bool, UploadError> {
    let (code, message) = error.unzip();
    let ids = serde_json::to_string(post_ids).unwrap_or_else(|_| "[]".into());
    let done = sqlx::query(
        "UPDATE uploads SET state = ?, post_ids = ?, error_code = ?, last_error = ?,
             finished_at = ?, lease_until = NULL, updated_at = ?
         WHERE id = ? AND state = ?",
    )
    .bind(to.as_str())
    .bind(ids)
    .bind(code)
    .bind(message)
    .bind(now)
    .bind(now)
    .bind(&job.id)
    .bind(job.state.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels a job nothing has been sent for yet (or a failed one).
pub async fn cancel(db: impl SqliteExecutor<'_>, id: &str, now: i64) -> Result<bool, UploadError> {
    let done = sqlx::query(
        "UPDATE uploads SET state = 'cancelled', finished_at = ?, lease_until = NULL, updated_at = ?
         WHERE id = ? AND state IN ('scheduled', 'queued', 'failed')",
    )
    .bind(now)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Failed → due again. `resume`: TikTok's upload is still valid, so carry on sending from
/// `bytes_sent`; otherwise start over with a new init.
pub async fn retry(
    db: impl SqliteExecutor<'_>,
    id: &str,
    resume: bool,
    now: i64,
) -> Result<bool, UploadError> {
    let sql = if resume {
        "UPDATE uploads SET state = 'uploading', attempts = 0, run_at = ?1, lease_until = NULL,
             finished_at = NULL, updated_at = ?1
         WHERE id = ?2 AND state = 'failed'"
    } else {
        "UPDATE uploads SET state = 'queued', publish_id = NULL, upload_url = NULL,
             upload_url_expires_at = NULL, chunk_size = NULL, bytes_sent = 0, polls = 0,
             processing_started_at = NULL, post_ids = '[]', attempts = 0, run_at = ?1,
             lease_until = NULL, finished_at = NULL, updated_at = ?1
         WHERE id = ?2 AND state = 'failed'"
    };
    let done = sqlx::query(sql).bind(now).bind(id).execute(db).await?;
    Ok(done.rows_affected() == 1)
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
