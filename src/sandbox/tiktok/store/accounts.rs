//! Creators, grants, authorization codes and tokens. Codes and tokens are stored as hashes only.

use sqlx::SqlitePool;

use crate::crypto::{hash_token, random_token};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Creator {
    pub open_id: String,
    pub union_id: String,
    pub username: String,
}

/// The creator behind `username`, made on first use so each username keeps one `open_id`.
pub async fn ensure_creator(
    db: &SqlitePool,
    username: &str,
    now_ms: i64,
) -> Result<Creator, sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_creators (open_id, union_id, username, created_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (username) DO NOTHING",
    )
    .bind(uuid_like())
    .bind(uuid_like())
    .bind(username)
    .bind(now_ms)
    .execute(db)
    .await?;
    sqlx::query_as("SELECT open_id, union_id, username FROM sandbox_creators WHERE username = ?")
        .bind(username)
        .fetch_one(db)
        .await
}

/// v2 `open_id`s look like UUIDs (`723f24d7-e717-40f8-a2b6-cb8464cd23b4`).
fn uuid_like() -> String {
    let h = hex::encode(crate::crypto::random_bytes(16));
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

pub async fn creator(db: &SqlitePool, open_id: &str) -> Result<Option<Creator>, sqlx::Error> {
    sqlx::query_as("SELECT open_id, union_id, username FROM sandbox_creators WHERE open_id = ?")
        .bind(open_id)
        .fetch_optional(db)
        .await
}

pub struct NewCode<'a> {
    pub code: &'a str,
    pub open_id: &'a str,
    pub scopes: &'a str,
    pub redirect_uri: &'a str,
    pub expires_ms: i64,
    pub code_challenge: Option<&'a str>,
}

pub async fn insert_code(db: &SqlitePool, code: &NewCode<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_auth_codes (code_hash, open_id, scopes, redirect_uri, expires_ms, code_challenge)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(hash_token(code.code))
    .bind(code.open_id)
    .bind(code.scopes)
    .bind(code.redirect_uri)
    .bind(code.expires_ms)
    .bind(code.code_challenge)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct Code {
    pub open_id: String,
    pub scopes: String,
    pub redirect_uri: String,
    pub expires_ms: i64,
    pub code_challenge: Option<String>,
}

pub enum CodeUse {
    /// The first use: the code is now spent.
    First(Code),
    /// A replay; carries the grant the first use produced, if any.
    Replay(Option<i64>),
    Unknown,
}

/// Spends a code in one statement, so two racing exchanges cannot both get tokens.
pub async fn spend_code(db: &SqlitePool, code: &str, now_ms: i64) -> Result<CodeUse, sqlx::Error> {
    let hash = hash_token(code);
    let first: Option<Code> = sqlx::query_as(
        "UPDATE sandbox_auth_codes SET used_ms = ? WHERE code_hash = ? AND used_ms IS NULL
         RETURNING open_id, scopes, redirect_uri, expires_ms, code_challenge",
    )
    .bind(now_ms)
    .bind(&hash)
    .fetch_optional(db)
    .await?;
    if let Some(code) = first {
        return Ok(CodeUse::First(code));
    }
    let replay: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT grant_id FROM sandbox_auth_codes WHERE code_hash = ?")
            .bind(&hash)
            .fetch_optional(db)
            .await?;
    Ok(match replay {
        Some((grant,)) => CodeUse::Replay(grant),
        None => CodeUse::Unknown,
    })
}

/// A freshly issued pair, in clear: returned to the client once, stored hashed.
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
}

pub struct Lifetimes {
    pub access_expires_ms: i64,
    pub refresh_expires_ms: i64,
}

async fn insert_tokens(
    tx: &mut sqlx::SqliteConnection,
    grant_id: i64,
    life: &Lifetimes,
) -> Result<IssuedTokens, sqlx::Error> {
    // TikTok's tokens carry these prefixes; clients sometimes log the prefix to tell them apart.
    let issued = IssuedTokens {
        access_token: format!("act.{}", random_token(32)),
        refresh_token: format!("rft.{}", random_token(32)),
    };
    for (token, kind, expires) in [
        (&issued.access_token, "access", life.access_expires_ms),
        (&issued.refresh_token, "refresh", life.refresh_expires_ms),
    ] {
        sqlx::query("INSERT INTO sandbox_tokens (token_hash, grant_id, kind, expires_ms) VALUES (?, ?, ?, ?)")
            .bind(hash_token(token))
            .bind(grant_id)
            .bind(kind)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
    }
    Ok(issued)
}

/// Records an approval exchanged from `code` and issues its first tokens, in one transaction.
pub async fn create_grant(
    db: &SqlitePool,
    code: &str,
    granted: &Code,
    life: &Lifetimes,
    now_ms: i64,
) -> Result<IssuedTokens, sqlx::Error> {
    let mut tx = db.begin().await?;
    // The first statement writes, so SQLite takes the write lock at once and never has to upgrade.
    let (grant_id,): (i64,) = sqlx::query_as(
        "INSERT INTO sandbox_grants (open_id, scopes, created_ms) VALUES (?, ?, ?) RETURNING id",
    )
    .bind(&granted.open_id)
    .bind(&granted.scopes)
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await?;
    let issued = insert_tokens(&mut tx, grant_id, life).await?;
    sqlx::query("UPDATE sandbox_auth_codes SET grant_id = ? WHERE code_hash = ?")
        .bind(grant_id)
        .bind(hash_token(code))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(issued)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Access {
    pub grant_id: i64,
    pub open_id: String,
    pub scopes: String,
}

/// The live grant behind an access token: unknown, expired and revoked tokens give `None`.
pub async fn access(
    db: &SqlitePool,
    token: &str,
    now_ms: i64,
) -> Result<Option<Access>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.id AS grant_id, g.open_id, g.scopes FROM sandbox_tokens t JOIN sandbox_grants g ON g.id = t.grant_id
         WHERE t.token_hash = ? AND t.kind = 'access' AND t.expires_ms > ? AND g.revoked_ms IS NULL",
    )
    .bind(hash_token(token))
    .bind(now_ms)
    .fetch_optional(db)
    .await
}

/// Refresh with rotation: the old refresh token is deleted in the same transaction that issues
/// the new pair, so it is refused from this moment on (contract section 2.2).
pub async fn rotate(
    db: &SqlitePool,
    refresh_token: &str,
    life: &Lifetimes,
    now_ms: i64,
) -> Result<Option<(Access, IssuedTokens)>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let old: Option<(i64, i64)> = sqlx::query_as(
        "DELETE FROM sandbox_tokens WHERE token_hash = ? AND kind = 'refresh' RETURNING grant_id, expires_ms",
    )
    .bind(hash_token(refresh_token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((grant_id, expires_ms)) = old else {
        return Ok(None);
    };
    let grant: Option<Access> = sqlx::query_as(
        "SELECT id AS grant_id, open_id, scopes FROM sandbox_grants WHERE id = ? AND revoked_ms IS NULL",
    )
    .bind(grant_id)
    .fetch_optional(&mut *tx)
    .await?;
    let grant = match grant {
        Some(g) if expires_ms > now_ms => g,
        _ => {
            // Keep the deletion: an expired or orphaned refresh token is worthless anyway.
            tx.commit().await?;
            return Ok(None);
        }
    };
    let issued = insert_tokens(&mut tx, grant_id, life).await?;
    tx.commit().await?;
    Ok(Some((grant, issued)))
}

/// Revokes the grant a token (access or refresh) belongs to. False when the token is unknown.
pub async fn revoke_by_token(
    db: &SqlitePool,
    token: &str,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let grant: Option<(i64,)> =
        sqlx::query_as("SELECT grant_id FROM sandbox_tokens WHERE token_hash = ?")
            .bind(hash_token(token))
            .fetch_optional(db)
            .await?;
    match grant {
        Some((id,)) => revoke_grant(db, id, now_ms).await.map(|_| true),
        None => Ok(false),
    }
}

/// Kills a grant and every token issued under it.
pub async fn revoke_grant(db: &SqlitePool, grant_id: i64, now_ms: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE sandbox_grants SET revoked_ms = COALESCE(revoked_ms, ?) WHERE id = ?")
        .bind(now_ms)
        .bind(grant_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sandbox_tokens WHERE grant_id = ?")
        .bind(grant_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
