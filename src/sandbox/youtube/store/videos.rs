//! Completed uploads and what the sandbox made of them.

use sqlx::SqlitePool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Video {
    pub id: String,
    pub channel_id: String,
    pub upload_id: String,
    pub size: i64,
    pub sha256: String,
    pub content_type: String,
    pub resource: String,
    pub notify: bool,
    pub verdict: String,
    pub rejection: Option<String>,
    pub duration_ms: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub short: bool,
    pub short_reason: Option<String>,
    pub sessions: i64,
    pub thumbnail: bool,
    pub received_ms: i64,
}

const COLUMNS: &str = "id, channel_id, upload_id, size, sha256, content_type, resource, notify, \
    verdict, rejection, duration_ms, width, height, short, short_reason, sessions, thumbnail, received_ms";

pub async fn insert(db: &SqlitePool, v: &Video) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO sandbox_youtube_videos ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )))
    .bind(&v.id)
    .bind(&v.channel_id)
    .bind(&v.upload_id)
    .bind(v.size)
    .bind(&v.sha256)
    .bind(&v.content_type)
    .bind(&v.resource)
    .bind(v.notify)
    .bind(&v.verdict)
    .bind(&v.rejection)
    .bind(v.duration_ms)
    .bind(v.width)
    .bind(v.height)
    .bind(v.short)
    .bind(&v.short_reason)
    .bind(v.sessions)
    .bind(v.thumbnail)
    .bind(v.received_ms)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_id(db: &SqlitePool, id: &str) -> Result<Option<Video>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM sandbox_youtube_videos WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Every video, oldest first (by insertion order, not by clock).
pub async fn all(db: &SqlitePool) -> Result<Vec<Video>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM sandbox_youtube_videos ORDER BY seq"
    )))
    .fetch_all(db)
    .await
}

/// Whether the channel already has a good video with these bytes: YouTube rejects the copy
/// as `duplicate` (contract 5.4).
pub async fn has_original(
    db: &SqlitePool,
    channel_id: &str,
    sha256: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sandbox_youtube_videos
         WHERE channel_id = ? AND sha256 = ? AND verdict = '' AND rejection IS NULL",
    )
    .bind(channel_id)
    .bind(sha256)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

pub async fn set_thumbnail(db: &SqlitePool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sandbox_youtube_videos SET thumbnail = 1 WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
