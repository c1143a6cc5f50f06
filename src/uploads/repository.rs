//! All SQL for the `uploads` table. Every transition names the state it expects to leave, so a
//! job cancelled (or otherwise moved) meanwhile is never overwritten; the owner's actions are
//! guarded by `lifecycle`'s table.

use sqlx::{AssertSqlSafe, SqliteExecutor};

use super::UploadError;
use super::job::{Job, JobRow, JobState};
use super::lifecycle::{self, Action, DELIVERED_SQL};
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

/// The "initiating" marker, written (and committed) before init is sent. A marker already set
/// means the last init's answer was lost (Cast was killed, or the request timed out after TikTok
/// may have acted): that init is counted as possibly orphaned.
pub async fn begin_init(
    db: impl SqliteExecutor<'_>,
    job: &Job,
    now: i64,
) -> Result<bool, UploadError> {
    let done = sqlx::query(
        "UPDATE uploads SET orphaned_inits = orphaned_inits + (init_started_at IS NOT NULL),
             init_started_at = ?, updated_at = ?
         WHERE id = ? AND state = ? AND publish_id IS NULL",
    )
    .bind(now)
    .bind(now)
    .bind(&job.id)
    .bind(job.state.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// TikTok answered the init with a refusal: nothing was created, so nothing is orphaned.
pub async fn end_init(db: impl SqliteExecutor<'_>, id: &str, now: i64) -> Result<(), UploadError> {
    sqlx::query("UPDATE uploads SET init_started_at = NULL, updated_at = ? WHERE id = ?")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// TikTok refused this chunk size ("The chunk size is invalid"): never tried again for this job
/// until the owner retries.
pub async fn refuse_chunk_size(
    db: impl SqliteExecutor<'_>,
    id: &str,
    refused: &[u64],
    now: i64,
) -> Result<(), UploadError> {
    let list = serde_json::to_string(refused).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "UPDATE uploads SET refused_chunk_sizes = ?, init_started_at = NULL, updated_at = ? WHERE id = ?",
    )
    .bind(list)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
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
        "UPDATE uploads SET state = 'uploading', publish_id = ?1, upload_url = ?2,
             upload_url_expires_at = ?3, chunk_size = ?4, bytes_sent = 0, attempts = 0, polls = 0,
             last_error = NULL, error_code = NULL, init_started_at = NULL, initiated_at = ?5,
             updated_at = ?5
         WHERE id = ?6 AND state = ?7",
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

/// TikTok has the whole file (its last chunk was acknowledged, or status fetch says so): the
/// job is delivered, Cast polls from `run_at`, and the upload URL (a credential) is forgotten.
pub async fn start_processing(
    db: impl SqliteExecutor<'_>,
    id: &str,
    bytes: u64,
    run_at: i64,
    now: i64,
) -> Result<bool, UploadError> {
    let done = sqlx::query(
        "UPDATE uploads SET state = 'processing', processing_started_at = ?1, run_at = ?2,
             bytes_sent = ?3, upload_url = NULL, upload_url_expires_at = NULL,
             lease_until = NULL, attempts = 0, polls = 0, updated_at = ?1
         WHERE id = ?4 AND state = 'uploading'",
    )
    .bind(now)
    .bind(run_at)
    .bind(bytes as i64)
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
        "UPDATE uploads SET run_at = ?1, attempts = ?2, lease_until = NULL,
             error_code = COALESCE(?3, error_code), last_error = COALESCE(?4, last_error),
             polls = polls + (state = 'processing'), updated_at = ?5
         WHERE id = ?6 AND state = ?7",
    )
    .bind(run_at)
    .bind(i64::from(attempts))
    .bind(code)
    .bind(message)
    .bind(now)
    .bind(&job.id)
    .bind(job.state.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets TikTok's upload (expired URL, or TikTok's own FAILED) so the next run inits afresh.
/// Refused for a delivered job unless TikTok said that upload FAILED (`lifecycle`): re-sending a
/// video TikTok may still publish is the owner's explicit choice only.
pub async fn restart_upload(
    db: impl SqliteExecutor<'_>,
    job: &Job,
    tiktok_said_failed: bool,
    run_at: i64,
    attempts: u32,
    error: (&str, &str),
    now: i64,
) -> Result<bool, UploadError> {
    let done = sqlx::query(AssertSqlSafe(format!(
        "UPDATE uploads SET state = 'queued', publish_id = NULL, upload_url = NULL,
             upload_url_expires_at = NULL, chunk_size = NULL, bytes_sent = 0, polls = 0,
             processing_started_at = NULL, run_at = ?1, attempts = ?2, lease_until = NULL,
             error_code = ?3, last_error = ?4, updated_at = ?5
         WHERE id = ?6 AND state = ?7 AND (?8 OR NOT ({DELIVERED_SQL}))"
    )))
    .bind(run_at)
    .bind(i64::from(attempts))
    .bind(error.0)
    .bind(error.1)
    .bind(now)
    .bind(&job.id)
    .bind(job.state.as_str())
    .bind(tiktok_said_failed)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How a job ends: its final state and what to record with it.
pub struct Outcome<'a> {
    pub state: JobState,
    pub post_ids: &'a [String],
    pub error: Option<(&'a str, &'a str)>,
    pub note: Option<&'a str>,
    /// Published without a link yet: keep asking until then.
    pub link_wait_until: Option<i64>,
    pub post_id_source: Option<&'a str>,
    /// TikTok itself said this upload FAILED: it can no longer be published, so it is no
    /// longer delivered and Retry may send it again.
    pub tiktok_said_failed: bool,
}

impl<'a> Outcome<'a> {
    pub fn success(state: JobState) -> Self {
        Self {
            state,
            post_ids: &[],
            error: None,
            note: None,
            link_wait_until: None,
            post_id_source: None,
            tiktok_said_failed: false,
        }
    }

    pub fn failed(code: &'a str, message: &'a str) -> Self {
        Self {
            error: Some((code, message)),
            ..Self::success(JobState::Failed)
        }
    }
}

/// A final state, from the state the worker last saw. Success clears the last transient error;
/// the upload URL (a credential) is cleared whatever the outcome.
pub async fn finish(
    db: impl SqliteExecutor<'_>,
    job: &Job,
    outcome: &Outcome<'_>,
    run_at: i64,
    now: i64,
) -> Result<bool, UploadError> {
    let (code, message) = outcome.error.unzip();
    let ids = serde_json::to_string(outcome.post_ids).unwrap_or_else(|_| "[]".into());
    let done = sqlx::query(
        "UPDATE uploads SET state = ?1, post_ids = ?2, error_code = ?3, last_error = ?4,
             note = ?5, link_wait_until = ?6, post_id_source = ?7,
             processing_started_at = CASE WHEN ?8 THEN NULL ELSE processing_started_at END,
             upload_url = NULL, upload_url_expires_at = NULL, init_started_at = NULL,
             run_at = ?9, polls = 0, finished_at = ?10, lease_until = NULL, updated_at = ?10
         WHERE id = ?11 AND state = ?12",
    )
    .bind(outcome.state.as_str())
    .bind(ids)
    .bind(code)
    .bind(message)
    .bind(outcome.note)
    .bind(outcome.link_wait_until)
    .bind(outcome.post_id_source)
    .bind(outcome.tiktok_said_failed)
    .bind(run_at)
    .bind(now)
    .bind(&job.id)
    .bind(job.state.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A published post's link arrived (or Cast stopped waiting: `post_ids` empty, `source` None).
pub async fn end_link_wait(
    db: impl SqliteExecutor<'_>,
    id: &str,
    post_ids: &[String],
    source: Option<&str>,
    now: i64,
) -> Result<bool, UploadError> {
    let ids = serde_json::to_string(post_ids).unwrap_or_else(|_| "[]".into());
    let done = sqlx::query(
        "UPDATE uploads SET post_ids = CASE WHEN ?1 = '[]' THEN post_ids ELSE ?1 END,
             post_id_source = COALESCE(?2, post_id_source), link_wait_until = NULL,
             lease_until = NULL, updated_at = ?3
         WHERE id = ?4 AND state = 'published'",
    )
    .bind(ids)
    .bind(source)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The link is not there yet: ask again at `run_at`.
pub async fn wait_for_link(
    db: impl SqliteExecutor<'_>,
    id: &str,
    run_at: i64,
    now: i64,
) -> Result<bool, UploadError> {
    let done = sqlx::query(
        "UPDATE uploads SET run_at = ?, polls = polls + 1, lease_until = NULL, updated_at = ?
         WHERE id = ? AND state = 'published' AND link_wait_until IS NOT NULL",
    )
    .bind(run_at)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Post ids other uploads of this account already have: a video list match must not take them.
pub async fn taken_post_ids(
    db: impl SqliteExecutor<'_>,
    open_id: &str,
    except_id: &str,
) -> Result<Vec<String>, UploadError> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT post_ids FROM uploads WHERE open_id = ? AND id != ? AND post_ids != '[]'",
    )
    .bind(open_id)
    .bind(except_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .iter()
        .flat_map(|r| serde_json::from_str::<Vec<String>>(r).unwrap_or_default())
        .collect())
}

/// Cancels a job, where `lifecycle` allows it.
pub async fn cancel(db: impl SqliteExecutor<'_>, id: &str, now: i64) -> Result<bool, UploadError> {
    let done = sqlx::query(AssertSqlSafe(format!(
        "UPDATE uploads SET state = 'cancelled', finished_at = ?1, lease_until = NULL,
             upload_url = NULL, upload_url_expires_at = NULL, updated_at = ?1
         WHERE id = ?2 AND {}",
        lifecycle::sql_condition(Action::Cancel)
    )))
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How Retry (nothing delivered) picks up a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryFrom {
    /// TikTok's upload URL is still valid: carry on sending from `bytes_sent`.
    Resume,
    /// The job had a TikTok upload whose URL is gone: the worker first asks TikTok whether
    /// that upload already holds the whole file (its last answer may have been lost), and
    /// starts over only if not.
    CheckThenRestart,
    /// No TikTok upload yet: a new init, with every chunk plan again.
    StartOver,
}

/// Retry (nothing delivered): due again, picked up as `from` says.
pub async fn retry(
    db: impl SqliteExecutor<'_>,
    id: &str,
    from: RetryFrom,
    now: i64,
) -> Result<bool, UploadError> {
    let guard = lifecycle::sql_condition(Action::Retry);
    let sql = match from {
        RetryFrom::Resume => format!(
            "UPDATE uploads SET state = 'uploading', attempts = 0, run_at = ?1, lease_until = NULL,
                 finished_at = NULL, error_code = NULL, last_error = NULL, updated_at = ?1
             WHERE id = ?2 AND {guard}"
        ),
        RetryFrom::CheckThenRestart => format!(
            "UPDATE uploads SET state = 'uploading', upload_url = NULL, upload_url_expires_at = NULL,
                 refused_chunk_sizes = '[]', attempts = 0, run_at = ?1, lease_until = NULL,
                 finished_at = NULL, error_code = NULL, last_error = NULL, updated_at = ?1
             WHERE id = ?2 AND publish_id IS NOT NULL AND {guard}"
        ),
        RetryFrom::StartOver => format!("{START_OVER} WHERE id = ?2 AND {guard}"),
    };
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets TikTok's upload and queues a new init (the row's own history stays).
const START_OVER: &str =
    "UPDATE uploads SET state = 'queued', publish_id = NULL, upload_url = NULL,
     upload_url_expires_at = NULL, chunk_size = NULL, bytes_sent = 0, polls = 0,
     processing_started_at = NULL, post_ids = '[]', post_id_source = NULL, note = NULL,
     refused_chunk_sizes = '[]', link_wait_until = NULL, attempts = 0, run_at = ?1,
     error_code = NULL, last_error = NULL, lease_until = NULL, finished_at = NULL, updated_at = ?1";

/// Check again: follow the same upload (same `publish_id`) for another processing bound.
/// Never sends the file.
pub async fn check_again(
    db: impl SqliteExecutor<'_>,
    id: &str,
    now: i64,
) -> Result<bool, UploadError> {
    let done = sqlx::query(AssertSqlSafe(format!(
        "UPDATE uploads SET state = 'processing', processing_started_at = ?1, attempts = 0,
             polls = 0, run_at = ?1, lease_until = NULL, finished_at = NULL, error_code = NULL,
             last_error = NULL, updated_at = ?1
         WHERE id = ?2 AND publish_id IS NOT NULL AND {}",
        lifecycle::sql_condition(Action::CheckAgain)
    )))
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Send again: the owner's explicit choice to send a delivered video anew (may post it twice).
pub async fn send_again(
    db: impl SqliteExecutor<'_>,
    id: &str,
    now: i64,
) -> Result<bool, UploadError> {
    let done = sqlx::query(AssertSqlSafe(format!(
        "{START_OVER} WHERE id = ?2 AND {}",
        lifecycle::sql_condition(Action::SendAgain)
    )))
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
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
