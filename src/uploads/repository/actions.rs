//! The owner's actions on a job, each guarded by `lifecycle`'s table in its SQL.

use sqlx::{AssertSqlSafe, SqliteExecutor};

use crate::uploads::UploadError;
use crate::uploads::lifecycle::{self, Action};

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
