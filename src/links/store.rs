//! The SQL of `public_links`, `public_link_fetches` and `public_link_verification_files`.

use sqlx::SqlitePool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub id: i64,
    pub token_hash: Option<String>,
    pub token_prefix: String,
    pub job_id: String,
    pub name: String,
    pub path: String,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
    pub revoked_reason: Option<String>,
}

macro_rules! select_links {
    ($where:literal) => {
        concat!(
            "SELECT id, token_hash, token_prefix, job_id, name, path, size, content_type, sha256, \
             created_ms, expires_ms, revoked_ms, revoked_reason FROM public_links ",
            $where
        )
    };
}

pub struct NewLink<'a> {
    pub token_hash: &'a str,
    pub token_prefix: &'a str,
    pub job_id: &'a str,
    pub name: &'a str,
    pub path: &'a str,
    pub size: i64,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub created_ms: i64,
    pub expires_ms: i64,
}

pub async fn insert_link(db: &SqlitePool, l: &NewLink<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO public_links (token_hash, token_prefix, job_id, name, path, size, content_type, \
         sha256, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(l.token_hash)
    .bind(l.token_prefix)
    .bind(l.job_id)
    .bind(l.name)
    .bind(l.path)
    .bind(l.size)
    .bind(l.content_type)
    .bind(l.sha256)
    .bind(l.created_ms)
    .bind(l.expires_ms)
    .fetch_one(db)
    .await
}

/// The one query every request for a link makes, whatever the token: by hash, live links only.
pub async fn live_by_hash(
    db: &SqlitePool,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<LinkRow>, sqlx::Error> {
    sqlx::query_as(select_links!(
        "WHERE token_hash = ? AND revoked_ms IS NULL AND expires_ms > ?"
    ))
    .bind(token_hash)
    .bind(now_ms)
    .fetch_optional(db)
    .await
}

pub async fn of_job(db: &SqlitePool, job_id: &str) -> Result<Vec<LinkRow>, sqlx::Error> {
    sqlx::query_as(select_links!("WHERE job_id = ? ORDER BY id"))
        .bind(job_id)
        .fetch_all(db)
        .await
}

/// Revokes one link, forgetting its hash. False when it was already revoked.
pub async fn revoke(
    db: &SqlitePool,
    id: i64,
    now_ms: i64,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE public_links SET token_hash = NULL, revoked_ms = ?, revoked_reason = ? \
         WHERE id = ? AND revoked_ms IS NULL",
    )
    .bind(now_ms)
    .bind(reason)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke_job(
    db: &SqlitePool,
    job_id: &str,
    now_ms: i64,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE public_links SET token_hash = NULL, revoked_ms = ?, revoked_reason = ? \
         WHERE job_id = ? AND revoked_ms IS NULL",
    )
    .bind(now_ms)
    .bind(reason)
    .bind(job_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Marks links past their lifetime as revoked (reason `expired`), at the time they expired.
pub async fn sweep_expired(db: &SqlitePool, now_ms: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE public_links SET token_hash = NULL, revoked_ms = expires_ms, revoked_reason = 'expired' \
         WHERE revoked_ms IS NULL AND expires_ms <= ?",
    )
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FetchRow {
    pub id: i64,
    pub link_id: i64,
    pub at_ms: i64,
    pub method: String,
    pub range: Option<String>,
    pub status: i64,
    pub bytes: i64,
    pub user_agent: Option<String>,
    pub client_ip: Option<String>,
}

pub struct NewFetch<'a> {
    pub link_id: i64,
    pub job_id: &'a str,
    pub at_ms: i64,
    pub method: &'a str,
    pub range: Option<&'a str>,
    pub status: u16,
    pub user_agent: Option<&'a str>,
    pub client_ip: Option<&'a str>,
}

pub async fn insert_fetch(db: &SqlitePool, f: &NewFetch<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO public_link_fetches (link_id, job_id, at_ms, method, range, status, bytes, \
         user_agent, client_ip) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) RETURNING id",
    )
    .bind(f.link_id)
    .bind(f.job_id)
    .bind(f.at_ms)
    .bind(f.method)
    .bind(f.range)
    .bind(i64::from(f.status))
    .bind(f.user_agent)
    .bind(f.client_ip)
    .fetch_one(db)
    .await
}

pub async fn set_fetch_bytes(db: &SqlitePool, id: i64, bytes: u64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE public_link_fetches SET bytes = ? WHERE id = ?")
        .bind(i64::try_from(bytes).unwrap_or(i64::MAX))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn fetches_of_job(db: &SqlitePool, job_id: &str) -> Result<Vec<FetchRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, link_id, at_ms, method, range, status, bytes, user_agent, client_ip \
         FROM public_link_fetches WHERE job_id = ? ORDER BY id",
    )
    .bind(job_id)
    .fetch_all(db)
    .await
}

pub async fn put_verification_file(
    db: &SqlitePool,
    name: &str,
    contents: &[u8],
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO public_link_verification_files (name, contents, uploaded_ms) VALUES (?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET contents = excluded.contents, uploaded_ms = excluded.uploaded_ms",
    )
    .bind(name)
    .bind(contents)
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn verification_file(
    db: &SqlitePool,
    name: &str,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT contents FROM public_link_verification_files WHERE name = ?")
        .bind(name)
        .fetch_optional(db)
        .await
}

pub async fn verification_files(db: &SqlitePool) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, length(contents), uploaded_ms FROM public_link_verification_files ORDER BY name",
    )
    .fetch_all(db)
    .await
}

pub async fn delete_verification_file(db: &SqlitePool, name: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM public_link_verification_files WHERE name = ?")
        .bind(name)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
