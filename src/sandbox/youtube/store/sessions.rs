//! Resumable upload sessions: what the initiation declared and how many bytes are stored.

use sqlx::SqlitePool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub upload_id: String,
    pub account_id: String,
    pub channel_id: String,
    pub total_size: i64,
    pub content_type: String,
    pub part: String,
    pub notify: bool,
    pub resource: String,
    pub resource_key: String,
    pub received: i64,
    pub chunk_size: Option<i64>,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub video_id: Option<String>,
}

const COLUMNS: &str = "upload_id, account_id, channel_id, total_size, content_type, part, notify, \
    resource, resource_key, received, chunk_size, created_ms, expires_ms, video_id";

pub async fn insert(db: &SqlitePool, s: &Session) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO sandbox_youtube_sessions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )))
    .bind(&s.upload_id)
    .bind(&s.account_id)
    .bind(&s.channel_id)
    .bind(s.total_size)
    .bind(&s.content_type)
    .bind(&s.part)
    .bind(s.notify)
    .bind(&s.resource)
    .bind(&s.resource_key)
    .bind(s.received)
    .bind(s.chunk_size)
    .bind(s.created_ms)
    .bind(s.expires_ms)
    .bind(&s.video_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_id(db: &SqlitePool, upload_id: &str) -> Result<Option<Session>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM sandbox_youtube_sessions WHERE upload_id = ?"
    )))
    .bind(upload_id)
    .fetch_optional(db)
    .await
}

/// Records bytes `from..to` as stored, guarded on the session still holding exactly `from`.
/// The first non-final chunk fixes the chunk size for the rest.
pub async fn advance(
    db: &SqlitePool,
    upload_id: &str,
    from: i64,
    to: i64,
    chunk_size: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sandbox_youtube_sessions SET received = ?, chunk_size = COALESCE(chunk_size, ?)
         WHERE upload_id = ? AND received = ? AND video_id IS NULL",
    )
    .bind(to)
    .bind(chunk_size)
    .bind(upload_id)
    .bind(from)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_video(
    db: &SqlitePool,
    upload_id: &str,
    video_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sandbox_youtube_sessions SET video_id = ? WHERE upload_id = ?")
        .bind(video_id)
        .bind(upload_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Sessions the channel opened since `since_ms`: its uploads in the last 24 hours.
pub async fn opened_since(
    db: &SqlitePool,
    channel_id: &str,
    since_ms: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM sandbox_youtube_sessions WHERE channel_id = ? AND created_ms > ?",
    )
    .bind(channel_id)
    .bind(since_ms)
    .fetch_one(db)
    .await
}

/// Sessions that carried this upload (same channel, size and metadata) and made no other video:
/// 1 when it went through in one session, more when the client started over.
pub async fn for_upload(db: &SqlitePool, session: &Session) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM sandbox_youtube_sessions
         WHERE channel_id = ? AND resource_key = ? AND created_ms <= ?
           AND (video_id IS NULL OR upload_id = ?)",
    )
    .bind(&session.channel_id)
    .bind(&session.resource_key)
    .bind(session.created_ms)
    .bind(&session.upload_id)
    .fetch_one(db)
    .await
}
