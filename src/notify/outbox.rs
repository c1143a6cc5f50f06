//! The tables `notify_outbox` (one row per event and channel: the row is the queue) and
//! `notify_channels` (each channel's latest outcome). All SQL of the notifier lives here.

use sqlx::{SqliteExecutor, SqlitePool};

/// A delivery claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub channel: String,
    pub payload: String,
    /// Failed tries so far.
    pub attempts: i64,
    pub created_at: i64,
}

/// Queues one delivery; false when this channel already has the key (a duplicate event).
pub async fn insert(
    db: impl SqliteExecutor<'_>,
    channel: &str,
    key: &str,
    payload: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO notify_outbox (channel, dedupe_key, payload, run_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (channel, dedupe_key) DO NOTHING",
    )
    .bind(channel)
    .bind(key)
    .bind(payload)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Claims up to `limit` due deliveries, oldest first, leasing them until `lease_until`.
pub async fn claim_due(
    db: &SqlitePool,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<Delivery>, sqlx::Error> {
    let mut rows: Vec<Delivery> = sqlx::query_as(
        "UPDATE notify_outbox SET lease_until = ?1
         WHERE id IN (SELECT id FROM notify_outbox
                      WHERE status = 'pending' AND run_at <= ?2
                        AND (lease_until IS NULL OR lease_until <= ?2)
                      ORDER BY id LIMIT ?3)
         RETURNING id, channel, payload, attempts, created_at",
    )
    .bind(lease_until)
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

pub async fn mark_sent(db: &SqlitePool, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE notify_outbox
         SET status = 'sent', sent_at = ?2, last_attempt_at = ?2, lease_until = NULL
         WHERE id = ?1 AND status = 'pending'",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed try: due again at `retry_at`, or given up when that is `None`.
pub async fn mark_failed(
    db: &SqlitePool,
    id: i64,
    now: i64,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE notify_outbox
         SET attempts = attempts + 1, last_error = ?3, last_attempt_at = ?2, lease_until = NULL,
             status = CASE WHEN ?4 IS NULL THEN 'failed' ELSE 'pending' END,
             run_at = COALESCE(?4, run_at)
         WHERE id = ?1 AND status = 'pending'",
    )
    .bind(id)
    .bind(now)
    .bind(error)
    .bind(retry_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Gives claimed deliveries back untried, due no earlier than `not_before`: their channel just
/// failed on an earlier one, so they wait for its retry instead of hammering it.
pub async fn postpone(db: &SqlitePool, ids: &[i64], not_before: i64) -> Result<(), sqlx::Error> {
    for id in ids {
        sqlx::query(
            "UPDATE notify_outbox SET lease_until = NULL, run_at = MAX(run_at, ?2) WHERE id = ?1",
        )
        .bind(id)
        .bind(not_before)
        .execute(db)
        .await?;
    }
    Ok(())
}

/// When the next pending delivery is due, if any.
pub async fn next_due(db: &SqlitePool) -> Result<Option<i64>, sqlx::Error> {
    let (at,): (Option<i64>,) = sqlx::query_as(
        "SELECT MIN(MAX(run_at, COALESCE(lease_until, 0))) FROM notify_outbox WHERE status = 'pending'",
    )
    .fetch_one(db)
    .await?;
    Ok(at)
}

/// Per channel: deliveries still to send, and those given up.
pub async fn counts(db: &SqlitePool) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT channel,
                SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END),
                SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END)
         FROM notify_outbox GROUP BY channel",
    )
    .fetch_all(db)
    .await
}

/// Forgets finished deliveries older than `before` (their keys with them).
pub async fn purge(db: &SqlitePool, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM notify_outbox WHERE status IN ('sent', 'failed') AND created_at < ?1",
    )
    .bind(before)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

pub async fn record_success(db: &SqlitePool, channel: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notify_channels (channel, last_success_at) VALUES (?1, ?2)
         ON CONFLICT (channel) DO UPDATE SET last_success_at = excluded.last_success_at",
    )
    .bind(channel)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn record_failure(
    db: &SqlitePool,
    channel: &str,
    now: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notify_channels (channel, last_failure_at, last_error) VALUES (?1, ?2, ?3)
         ON CONFLICT (channel) DO UPDATE
         SET last_failure_at = excluded.last_failure_at, last_error = excluded.last_error",
    )
    .bind(channel)
    .bind(now)
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChannelRow {
    pub channel: String,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    pub last_error: Option<String>,
}

pub async fn channel_rows(db: &SqlitePool) -> Result<Vec<ChannelRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT channel, last_success_at, last_failure_at, last_error FROM notify_channels",
    )
    .fetch_all(db)
    .await
}
