//! The table `tiktok_webhook_events`: every verified delivery, once, and whether it was applied.
//! The row is the queue the processor reads. All its SQL lives here.

use sqlx::{SqliteExecutor, SqlitePool};

/// A verified delivery, ready to store.
pub struct NewEvent<'a> {
    pub dedupe_key: &'a str,
    pub event: &'a str,
    pub create_time: Option<i64>,
    pub user_openid: Option<&'a str>,
    pub body: &'a str,
    pub signed_at: i64,
    pub received_at: i64,
}

/// A stored event, as tests and the processor see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: i64,
    pub event: String,
    pub create_time: Option<i64>,
    pub user_openid: Option<String>,
    pub body: String,
    pub signed_at: i64,
    pub received_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub processed_at: Option<i64>,
    pub outcome: Option<String>,
}

macro_rules! select_events {
    ($tail:literal) => {
        concat!(
            "SELECT id, event, create_time, user_openid, body, signed_at, received_at, attempts,
                last_error, processed_at, outcome
             FROM tiktok_webhook_events ",
            $tail
        )
    };
}

/// Stores the event unless one with the same key is stored already: false for a duplicate.
pub async fn insert(db: impl SqliteExecutor<'_>, e: &NewEvent<'_>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO tiktok_webhook_events
            (dedupe_key, event, create_time, user_openid, body, signed_at, received_at, run_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(e.dedupe_key)
    .bind(e.event)
    .bind(e.create_time)
    .bind(e.user_openid)
    .bind(e.body)
    .bind(e.signed_at)
    .bind(e.received_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The oldest unprocessed event that is due, in the order they arrived.
pub async fn next_due(db: &SqlitePool, now: i64) -> Result<Option<StoredEvent>, sqlx::Error> {
    sqlx::query_as(select_events!(
        "WHERE processed_at IS NULL AND run_at <= ?1 ORDER BY id LIMIT 1"
    ))
    .bind(now)
    .fetch_optional(db)
    .await
}

/// When the next unprocessed event is due, if any.
pub async fn next_run_at(db: &SqlitePool) -> Result<Option<i64>, sqlx::Error> {
    let (at,): (Option<i64>,) =
        sqlx::query_as("SELECT MIN(run_at) FROM tiktok_webhook_events WHERE processed_at IS NULL")
            .fetch_one(db)
            .await?;
    Ok(at)
}

/// Marks an event processed, once: `outcome` is 'applied', 'ignored' or 'given_up'.
pub async fn mark_processed(
    db: &SqlitePool,
    id: i64,
    now: i64,
    outcome: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tiktok_webhook_events
         SET processed_at = ?2, outcome = ?3, last_error = COALESCE(?4, last_error)
         WHERE id = ?1 AND processed_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(outcome)
    .bind(note)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed try at applying an event: due again at `retry_at`.
pub async fn mark_failed(
    db: &SqlitePool,
    id: i64,
    error: &str,
    retry_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tiktok_webhook_events SET attempts = attempts + 1, last_error = ?2, run_at = ?3
         WHERE id = ?1 AND processed_at IS NULL",
    )
    .bind(id)
    .bind(error)
    .bind(retry_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Every stored event, oldest first.
pub async fn all(db: &SqlitePool) -> Result<Vec<StoredEvent>, sqlx::Error> {
    sqlx::query_as(select_events!("ORDER BY id"))
        .fetch_all(db)
        .await
}

/// When the last verified event arrived: webhooks work when this is recent.
pub async fn last_received_at(db: &SqlitePool) -> Result<Option<i64>, sqlx::Error> {
    let (at,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(received_at) FROM tiktok_webhook_events")
            .fetch_one(db)
            .await?;
    Ok(at)
}

/// Forgets processed events received before `before`. Kept well past TikTok's 72 hours of
/// retries first, so a late retry is still recognised as a duplicate.
pub async fn purge(db: &SqlitePool, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM tiktok_webhook_events WHERE processed_at IS NOT NULL AND received_at < ?1",
    )
    .bind(before)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
