//! Publishes: one row per init, its upload's progress, the media check's verdict and the outcome.

use sqlx::SqlitePool;

use crate::crypto::hash_token;

/// Rows still receiving chunks.
pub const UPLOADING: &str = "uploading";
/// Rows whose last chunk arrived; the status shown stays `PROCESSING_UPLOAD` until revealed.
pub const PROCESSING: &str = "processing";
pub const PUBLISH_COMPLETE: &str = "PUBLISH_COMPLETE";
pub const SEND_TO_USER_INBOX: &str = "SEND_TO_USER_INBOX";
pub const FAILED: &str = "FAILED";

pub struct NewPublish<'a> {
    pub publish_id: &'a str,
    pub open_id: &'a str,
    pub grant_id: i64,
    pub mode: &'a str,
    pub downgraded: bool,
    pub post_info: Option<String>,
    pub privacy_level: Option<&'a str>,
    pub video_size: u64,
    pub chunk_size: u64,
    pub total_chunk_count: u64,
    pub upload_id: &'a str,
    pub upload_token: &'a str,
    pub upload_expires_ms: i64,
    pub created_ms: i64,
    /// `FILE_UPLOAD` or `PULL_FROM_URL`.
    pub source: &'a str,
    /// `VIDEO` or `PHOTO`.
    pub media_type: &'a str,
}

pub async fn insert(db: &SqlitePool, p: &NewPublish<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_publishes (publish_id, open_id, grant_id, mode, post_info, privacy_level, video_size,
            chunk_size, total_chunk_count, upload_id, upload_token_hash, upload_expires_ms, state, created_ms,
            downgraded, source, media_type)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(p.publish_id)
    .bind(p.open_id)
    .bind(p.grant_id)
    .bind(p.mode)
    .bind(&p.post_info)
    .bind(p.privacy_level)
    .bind(p.video_size as i64)
    .bind(p.chunk_size as i64)
    .bind(p.total_chunk_count as i64)
    .bind(p.upload_id)
    .bind(hash_token(p.upload_token))
    .bind(p.upload_expires_ms)
    .bind(UPLOADING)
    .bind(p.created_ms)
    .bind(p.downgraded)
    .bind(p.source)
    .bind(p.media_type)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Publish {
    pub publish_id: String,
    pub open_id: String,
    pub username: String,
    pub mode: String,
    pub post_info: Option<String>,
    pub privacy_level: Option<String>,
    pub video_size: i64,
    pub chunk_size: i64,
    pub total_chunk_count: i64,
    pub upload_id: String,
    pub upload_expires_ms: i64,
    pub content_type: Option<String>,
    pub received_bytes: i64,
    pub received_ms: Option<i64>,
    pub sha256: Option<String>,
    pub verdict: Option<String>,
    pub state: String,
    pub fail_reason: Option<String>,
    pub post_id: Option<i64>,
    pub created_ms: i64,
    pub grant_revoked_ms: Option<i64>,
    pub completed_ms: Option<i64>,
    pub downgraded: bool,
    pub source: String,
    pub media_type: String,
}

macro_rules! select_publish {
    ($tail:literal) => {
        concat!(
            "SELECT p.publish_id, p.open_id, c.username, p.mode, p.post_info, p.privacy_level, p.video_size,
                p.chunk_size, p.total_chunk_count, p.upload_id, p.upload_expires_ms, p.content_type,
                p.received_bytes, p.received_ms, p.sha256, p.verdict, p.state, p.fail_reason, p.post_id,
                p.created_ms, g.revoked_ms AS grant_revoked_ms, p.completed_ms, p.downgraded, p.source, p.media_type
             FROM sandbox_publishes p
             JOIN sandbox_creators c ON c.open_id = p.open_id
             JOIN sandbox_grants g ON g.id = p.grant_id ",
            $tail
        )
    };
}

pub async fn by_id(db: &SqlitePool, publish_id: &str) -> Result<Option<Publish>, sqlx::Error> {
    sqlx::query_as(select_publish!("WHERE p.publish_id = ?"))
        .bind(publish_id)
        .fetch_optional(db)
        .await
}

pub async fn by_upload_token(db: &SqlitePool, token: &str) -> Result<Option<Publish>, sqlx::Error> {
    sqlx::query_as(select_publish!("WHERE p.upload_token_hash = ?"))
        .bind(hash_token(token))
        .fetch_optional(db)
        .await
}

/// Everything received, newest first.
pub async fn all(db: &SqlitePool) -> Result<Vec<Publish>, sqlx::Error> {
    sqlx::query_as(select_publish!("ORDER BY p.created_ms DESC, p.publish_id"))
        .fetch_all(db)
        .await
}

/// Inits by this creator since `since_ms`: the per-creator daily post cap counts them.
pub async fn count_since(
    db: &SqlitePool,
    open_id: &str,
    since_ms: i64,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sandbox_publishes WHERE open_id = ? AND created_ms >= ?",
    )
    .bind(open_id)
    .bind(since_ms)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Inbox shares started since `since_ms` that the creator has not posted yet (and that did not fail).
pub async fn pending_shares(
    db: &SqlitePool,
    open_id: &str,
    since_ms: i64,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sandbox_publishes
         WHERE open_id = ? AND mode = 'inbox' AND created_ms >= ? AND state NOT IN ('PUBLISH_COMPLETE', 'FAILED')",
    )
    .bind(open_id)
    .bind(since_ms)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Other creators who direct-posted since `since_ms`: an unaudited app allows five.
pub async fn other_direct_creators(
    db: &SqlitePool,
    open_id: &str,
    since_ms: i64,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT open_id) FROM sandbox_publishes WHERE mode = 'direct' AND created_ms >= ? AND open_id != ?",
    )
    .bind(since_ms)
    .bind(open_id)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Advances the upload's progress, guarded on the progress the chunk was checked against.
/// The last chunk moves the row to `processing` and stamps when processing started.
pub async fn record_chunk(
    db: &SqlitePool,
    publish_id: &str,
    from: u64,
    to: u64,
    content_type: &str,
    last: bool,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE sandbox_publishes
         SET received_bytes = ?, content_type = COALESCE(content_type, ?),
             state = CASE WHEN ? THEN 'processing' ELSE state END,
             received_ms = CASE WHEN ? THEN ? ELSE received_ms END
         WHERE publish_id = ? AND received_bytes = ? AND state = 'uploading'",
    )
    .bind(to as i64)
    .bind(content_type)
    .bind(last)
    .bind(last)
    .bind(now_ms)
    .bind(publish_id)
    .bind(from as i64)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A pull has fetched `size` bytes: the row is received whole and processing starts.
pub async fn pulled(
    db: &SqlitePool,
    publish_id: &str,
    size: u64,
    content_type: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sandbox_publishes
         SET video_size = ?1, received_bytes = ?1, content_type = ?2, state = 'processing',
             received_ms = ?3
         WHERE publish_id = ?4 AND state = 'uploading'",
    )
    .bind(size as i64)
    .bind(content_type)
    .bind(now_ms)
    .bind(publish_id)
    .execute(db)
    .await?;
    Ok(())
}

/// A pull's progress so far (`downloaded_bytes`).
pub async fn pulling(db: &SqlitePool, publish_id: &str, bytes: u64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sandbox_publishes SET received_bytes = ? WHERE publish_id = ? AND state = 'uploading'",
    )
    .bind(bytes as i64)
    .bind(publish_id)
    .execute(db)
    .await?;
    Ok(())
}

/// A pull that failed: `FAILED` with `fail_reason` at once, as TikTok reports a failed download.
pub async fn pull_failed(
    db: &SqlitePool,
    publish_id: &str,
    fail_reason: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sandbox_publishes SET state = 'FAILED', fail_reason = ?, completed_ms = ?
         WHERE publish_id = ? AND state = 'uploading'",
    )
    .bind(fail_reason)
    .bind(now_ms)
    .bind(publish_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_verdict(
    db: &SqlitePool,
    publish_id: &str,
    sha256: &str,
    verdict: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sandbox_publishes SET sha256 = ?, verdict = ? WHERE publish_id = ?")
        .bind(sha256)
        .bind(verdict)
        .bind(publish_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Moves a processed row to its final status, once: a racing second call changes nothing.
/// `completed_ms`: when processing ended (a public post's id shows a while after).
pub async fn finish(
    db: &SqlitePool,
    publish_id: &str,
    status: &str,
    fail_reason: Option<&str>,
    post_id: Option<i64>,
    completed_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sandbox_publishes SET state = ?, fail_reason = ?, post_id = ?, completed_ms = ?
         WHERE publish_id = ? AND state = 'processing'",
    )
    .bind(status)
    .bind(fail_reason)
    .bind(post_id)
    .bind(completed_ms)
    .bind(publish_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The creator finishes an inbox draft in the TikTok app. False unless it was waiting in the inbox.
pub async fn post_draft(
    db: &SqlitePool,
    publish_id: &str,
    post_id: i64,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE sandbox_publishes SET state = 'PUBLISH_COMPLETE', post_id = ?, completed_ms = ?
         WHERE publish_id = ? AND mode = 'inbox' AND state = 'SEND_TO_USER_INBOX'",
    )
    .bind(post_id)
    .bind(now_ms)
    .bind(publish_id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The creator's public posts, newest first, created before `before_ms`: what the video list
/// shows (contract §7.1). Direct posts as `PUBLIC_TO_EVERYONE`, and inbox drafts the creator
/// posted from the app (where the sandbox takes them as public).
pub async fn public_posts(
    db: &SqlitePool,
    open_id: &str,
    before_ms: i64,
    limit: u32,
) -> Result<Vec<Publish>, sqlx::Error> {
    sqlx::query_as(select_publish!(
        "WHERE p.open_id = ? AND p.state = 'PUBLISH_COMPLETE' AND p.post_id IS NOT NULL
           AND (p.privacy_level = 'PUBLIC_TO_EVERYONE' OR p.mode = 'inbox')
           AND p.completed_ms < ?
         ORDER BY p.completed_ms DESC, p.publish_id LIMIT ?"
    ))
    .bind(open_id)
    .bind(before_ms)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await
}

/// This creator's publishes still processing: brought up to date before a video list.
pub async fn processing_of(db: &SqlitePool, open_id: &str) -> Result<Vec<Publish>, sqlx::Error> {
    sqlx::query_as(select_publish!(
        "WHERE p.open_id = ? AND p.state = 'processing'"
    ))
    .bind(open_id)
    .fetch_all(db)
    .await
}
