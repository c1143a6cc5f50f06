//! All SQL of the sandbox's webhooks: `sandbox_webhook_events`, `_deliveries`, `_attempts` and
//! `_settled`.

use sqlx::SqlitePool;

/// Queues an event once per moment; `None` when that moment was queued already.
pub async fn insert_event(
    db: &SqlitePool,
    moment: &str,
    event: &str,
    publish_id: Option<&str>,
    body: &str,
    now_ms: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let id: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO sandbox_webhook_events (moment, event, publish_id, body, created_ms)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (moment) DO NOTHING RETURNING id",
    )
    .bind(moment)
    .bind(event)
    .bind(publish_id)
    .bind(body)
    .bind(now_ms)
    .fetch_optional(db)
    .await?;
    Ok(id.map(|(id,)| id))
}

pub async fn insert_delivery(
    db: &SqlitePool,
    event_id: i64,
    copy: u32,
    due_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_webhook_deliveries (event_id, copy, due_ms, first_due_ms)
         VALUES (?, ?, ?, ?)",
    )
    .bind(event_id)
    .bind(copy)
    .bind(due_ms)
    .bind(due_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// A delivery that is due, with what it sends.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub event: String,
    pub body: String,
    pub first_due_ms: i64,
    pub signature: Option<String>,
    pub attempts: i64,
}

/// Pending deliveries due by `now_ms`, in the order they are sent.
pub async fn due(db: &SqlitePool, now_ms: i64, limit: i64) -> Result<Vec<Due>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.id, e.event, e.body, d.first_due_ms, d.signature, d.attempts
         FROM sandbox_webhook_deliveries d JOIN sandbox_webhook_events e ON e.id = d.event_id
         WHERE d.state = 'pending' AND d.due_ms <= ? ORDER BY d.due_ms, d.id LIMIT ?",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// When the next pending delivery is due.
pub async fn next_due_ms(db: &SqlitePool) -> Result<Option<i64>, sqlx::Error> {
    let (at,): (Option<i64>,) = sqlx::query_as(
        "SELECT MIN(due_ms) FROM sandbox_webhook_deliveries WHERE state = 'pending'",
    )
    .fetch_one(db)
    .await?;
    Ok(at)
}

/// One attempt at a delivery, as the listing shows it.
pub struct Attempt<'a> {
    pub delivery_id: i64,
    pub attempt: i64,
    pub signature: &'a str,
    pub answered: Option<u16>,
    pub error: Option<&'a str>,
    pub sent_ms: i64,
}

/// Records an attempt and where the delivery stands after it: `next_due_ms` `None` means done
/// (`delivered` or `given_up`, as `state` says).
pub async fn record_attempt(
    db: &SqlitePool,
    a: &Attempt<'_>,
    state: &str,
    next_due_ms: Option<i64>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO sandbox_webhook_attempts (delivery_id, attempt, signature, answered, error, sent_ms)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(a.delivery_id)
    .bind(a.attempt)
    .bind(a.signature)
    .bind(a.answered)
    .bind(a.error)
    .bind(a.sent_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE sandbox_webhook_deliveries
         SET attempts = ?, signature = ?, state = ?, due_ms = COALESCE(?, due_ms)
         WHERE id = ?",
    )
    .bind(a.attempt)
    .bind(a.signature)
    .bind(state)
    .bind(next_due_ms)
    .bind(a.delivery_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Every attempt, in the order they were made.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Sent {
    pub delivery: i64,
    pub copy: i64,
    pub event: String,
    pub body: String,
    pub signature: String,
    pub attempt: i64,
    pub answered: Option<i64>,
    pub error: Option<String>,
    pub sent_ms: i64,
}

pub async fn attempts(db: &SqlitePool) -> Result<Vec<Sent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.id AS delivery, d.copy, e.event, e.body, a.signature, a.attempt, a.answered,
                a.error, a.sent_ms
         FROM sandbox_webhook_attempts a
         JOIN sandbox_webhook_deliveries d ON d.id = a.delivery_id
         JOIN sandbox_webhook_events e ON e.id = d.event_id
         ORDER BY a.id",
    )
    .fetch_all(db)
    .await
}

/// Publishes that may still have a moment to notice: past their upload, not settled, started
/// since `since_ms` (older moments would be past TikTok's 72 hours of retries anyway).
pub async fn watched(db: &SqlitePool, since_ms: i64) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT p.publish_id FROM sandbox_publishes p
         WHERE p.state != 'uploading' AND p.created_ms >= ?
           AND NOT EXISTS (SELECT 1 FROM sandbox_webhook_settled s WHERE s.publish_id = p.publish_id)
         ORDER BY p.created_ms, p.publish_id",
    )
    .bind(since_ms)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub async fn settle(db: &SqlitePool, publish_id: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_webhook_settled (publish_id, settled_ms) VALUES (?, ?)
         ON CONFLICT (publish_id) DO NOTHING",
    )
    .bind(publish_id)
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// The live grant an access or refresh token belongs to: its id and creator.
pub async fn live_grant_of_token(
    db: &SqlitePool,
    token_hash: &str,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.id, g.open_id FROM sandbox_tokens t JOIN sandbox_grants g ON g.id = t.grant_id
         WHERE t.token_hash = ? AND g.revoked_ms IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await
}
