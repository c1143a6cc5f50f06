//! The worker's transitions of a job: init, chunks, processing, the end, and a late link.

use sqlx::{AssertSqlSafe, SqliteExecutor};

use crate::uploads::UploadError;
use crate::uploads::job::{Job, JobState};
use crate::uploads::lifecycle::DELIVERED_SQL;

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
