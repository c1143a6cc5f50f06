//! All SQL of the `youtube_grants` table: when Google said a channel's refresh token dies.

use sqlx::SqliteExecutor;

pub async fn store(
    db: impl SqliteExecutor<'_>,
    channel_id: &str,
    refresh_expires_at_ms: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO youtube_grants (channel_id, refresh_expires_at_ms, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (channel_id) DO UPDATE SET
            refresh_expires_at_ms = excluded.refresh_expires_at_ms, updated_at = excluded.updated_at",
    )
    .bind(channel_id)
    .bind(refresh_expires_at_ms)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Unix milliseconds; None when Google gave no end (a consent screen in production).
pub async fn refresh_expiry(
    db: impl SqliteExecutor<'_>,
    channel_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let found: Option<Option<i64>> =
        sqlx::query_scalar("SELECT refresh_expires_at_ms FROM youtube_grants WHERE channel_id = ?")
            .bind(channel_id)
            .fetch_optional(db)
            .await?;
    Ok(found.flatten())
}

pub async fn forget(db: impl SqliteExecutor<'_>, channel_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM youtube_grants WHERE channel_id = ?")
        .bind(channel_id)
        .execute(db)
        .await?;
    Ok(())
}
