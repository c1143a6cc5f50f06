//! Reels containers and the fetcher's requests for them.

use sqlx::SqlitePool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Container {
    pub container_id: String,
    pub user_id: String,
    pub video_url: String,
    pub cover_url: Option<String>,
    pub caption: String,
    pub share_to_feed: Option<bool>,
    pub thumb_offset: Option<i64>,
    pub collaborators: Option<String>,
    pub created_ms: i64,
    pub fetch_state: String,
    pub fetch_started_ms: Option<i64>,
    pub fetched_ms: Option<i64>,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    pub duration_ms: Option<i64>,
    pub error_code: Option<i64>,
    pub error_subcode: Option<i64>,
    pub error_message: Option<String>,
    pub error_user_msg: Option<String>,
    pub media_id: Option<String>,
    pub shortcode: Option<String>,
    pub published_ms: Option<i64>,
}

macro_rules! select_containers {
    ($rest:literal) => {
        concat!(
            "SELECT container_id, user_id, video_url, cover_url, caption, share_to_feed, thumb_offset, \
             collaborators, created_ms, fetch_state, fetch_started_ms, fetched_ms, size, sha256, \
             duration_ms, error_code, error_subcode, error_message, error_user_msg, media_id, \
             shortcode, published_ms FROM sandbox_instagram_containers ",
            $rest
        )
    };
}

pub struct NewContainer<'a> {
    pub container_id: &'a str,
    pub user_id: &'a str,
    pub video_url: &'a str,
    pub cover_url: Option<&'a str>,
    pub caption: &'a str,
    pub share_to_feed: Option<bool>,
    pub thumb_offset: Option<i64>,
    pub collaborators: Option<&'a str>,
    pub created_ms: i64,
}

pub async fn insert(db: &SqlitePool, c: &NewContainer<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_instagram_containers (container_id, user_id, video_url, cover_url, caption, \
         share_to_feed, thumb_offset, collaborators, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(c.container_id)
    .bind(c.user_id)
    .bind(c.video_url)
    .bind(c.cover_url)
    .bind(c.caption)
    .bind(c.share_to_feed)
    .bind(c.thumb_offset)
    .bind(c.collaborators)
    .bind(c.created_ms)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_id(db: &SqlitePool, id: &str) -> Result<Option<Container>, sqlx::Error> {
    sqlx::query_as(select_containers!("WHERE container_id = ?"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_media_id(
    db: &SqlitePool,
    media_id: &str,
) -> Result<Option<Container>, sqlx::Error> {
    sqlx::query_as(select_containers!("WHERE media_id = ?"))
        .bind(media_id)
        .fetch_optional(db)
        .await
}

pub async fn all(db: &SqlitePool) -> Result<Vec<Container>, sqlx::Error> {
    sqlx::query_as(select_containers!("ORDER BY created_ms DESC, rowid DESC"))
        .fetch_all(db)
        .await
}

/// Published reels of one account, newest first.
pub async fn published_of(
    db: &SqlitePool,
    user_id: &str,
    limit: i64,
) -> Result<Vec<Container>, sqlx::Error> {
    sqlx::query_as(select_containers!(
        "WHERE user_id = ? AND media_id IS NOT NULL ORDER BY published_ms DESC, rowid DESC LIMIT ?"
    ))
    .bind(user_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Containers whose fetch is due and not started.
pub async fn due(db: &SqlitePool, created_before_ms: i64) -> Result<Vec<Container>, sqlx::Error> {
    sqlx::query_as(select_containers!(
        "WHERE fetch_state = 'pending' AND created_ms <= ?"
    ))
    .bind(created_before_ms)
    .fetch_all(db)
    .await
}

pub async fn created_since(
    db: &SqlitePool,
    user_id: &str,
    since_ms: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM sandbox_instagram_containers WHERE user_id = ? AND created_ms > ?",
    )
    .bind(user_id)
    .bind(since_ms)
    .fetch_one(db)
    .await
}

pub async fn published_since(
    db: &SqlitePool,
    user_id: &str,
    since_ms: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM sandbox_instagram_containers WHERE user_id = ? AND published_ms > ?",
    )
    .bind(user_id)
    .bind(since_ms)
    .fetch_one(db)
    .await
}

/// Claims a pending container's fetch; false when someone else started it.
pub async fn claim_fetch(db: &SqlitePool, id: &str, now_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sandbox_instagram_containers SET fetch_state = 'fetching', fetch_started_ms = ? \
         WHERE container_id = ? AND fetch_state = 'pending'",
    )
    .bind(now_ms)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_fetched(
    db: &SqlitePool,
    id: &str,
    now_ms: i64,
    size: i64,
    sha256: &str,
    duration_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sandbox_instagram_containers SET fetch_state = 'fetched', fetched_ms = ?, size = ?, \
         sha256 = ?, duration_ms = ? WHERE container_id = ? AND fetch_state = 'fetching'",
    )
    .bind(now_ms)
    .bind(size)
    .bind(sha256)
    .bind(duration_ms)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub struct Failure<'a> {
    pub code: i64,
    pub subcode: i64,
    pub message: &'a str,
    pub user_msg: &'a str,
}

/// Fails a container's fetch or processing (from 'fetching' only, so it happens once), keeping
/// what was received.
pub async fn set_failed(
    db: &SqlitePool,
    id: &str,
    now_ms: i64,
    size: Option<i64>,
    sha256: Option<&str>,
    f: &Failure<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sandbox_instagram_containers SET fetch_state = 'failed', fetched_ms = ?, size = ?, \
         sha256 = ?, error_code = ?, error_subcode = ?, error_message = ?, error_user_msg = ? \
         WHERE container_id = ? AND fetch_state = 'fetching'",
    )
    .bind(now_ms)
    .bind(size)
    .bind(sha256)
    .bind(f.code)
    .bind(f.subcode)
    .bind(f.message)
    .bind(f.user_msg)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Publishes a container once; false when it was already published.
pub async fn publish(
    db: &SqlitePool,
    id: &str,
    media_id: &str,
    shortcode: &str,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sandbox_instagram_containers SET media_id = ?, shortcode = ?, published_ms = ? \
         WHERE container_id = ? AND media_id IS NULL",
    )
    .bind(media_id)
    .bind(shortcode)
    .bind(now_ms)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FetchRow {
    pub at_ms: i64,
    pub what: String,
    pub method: String,
    pub range: Option<String>,
    pub status: Option<i64>,
    pub bytes: i64,
}

pub struct NewFetch<'a> {
    pub container_id: &'a str,
    pub at_ms: i64,
    pub what: &'a str,
    pub method: &'a str,
    pub range: Option<&'a str>,
    pub status: Option<u16>,
    pub bytes: u64,
}

pub async fn insert_fetch(db: &SqlitePool, f: &NewFetch<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_instagram_fetches (container_id, at_ms, what, method, range, status, bytes) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(f.container_id)
    .bind(f.at_ms)
    .bind(f.what)
    .bind(f.method)
    .bind(f.range)
    .bind(f.status.map(i64::from))
    .bind(i64::try_from(f.bytes).unwrap_or(i64::MAX))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn fetches(db: &SqlitePool, container_id: &str) -> Result<Vec<FetchRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT at_ms, what, method, range, status, bytes FROM sandbox_instagram_fetches \
         WHERE container_id = ? ORDER BY id",
    )
    .bind(container_id)
    .fetch_all(db)
    .await
}
