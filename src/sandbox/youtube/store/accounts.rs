//! Google accounts and channels, grants, authorization codes and tokens. Codes and tokens are
//! stored as hashes only.

use sqlx::SqlitePool;

use crate::crypto::{hash_token, random_bytes, random_token};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub has_channel: bool,
    pub channel_id: Option<String>,
    pub handle: Option<String>,
    pub created_ms: i64,
}

const ACCOUNT_COLUMNS: &str = "id, name, has_channel, channel_id, handle, created_ms";

/// A Google `sub`: 21 digits.
fn new_sub() -> String {
    random_bytes(21)
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect()
}

/// `UC` and 22 characters of the base64url alphabet, as channel ids look.
fn new_channel_id() -> String {
    let mut id = String::from("UC");
    id.extend(random_token(17).chars().take(22));
    id
}

/// `@` and the name's letters and digits, lower-case, at most 30 characters.
fn handle_for(name: &str) -> String {
    let slug: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .take(30)
        .collect();
    if slug.is_empty() {
        "@channel".to_string()
    } else {
        format!("@{slug}")
    }
}

/// The account behind `name`, made on first use so one name keeps one channel id.
pub async fn ensure_account(
    db: &SqlitePool,
    name: &str,
    has_channel: bool,
    now_ms: i64,
) -> Result<Account, sqlx::Error> {
    let (channel_id, handle) = if has_channel {
        (Some(new_channel_id()), Some(handle_for(name)))
    } else {
        (None, None)
    };
    sqlx::query(
        "INSERT INTO sandbox_youtube_accounts (id, name, has_channel, channel_id, handle, created_ms)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name, has_channel) DO NOTHING",
    )
    .bind(new_sub())
    .bind(name)
    .bind(has_channel)
    .bind(channel_id)
    .bind(handle)
    .bind(now_ms)
    .execute(db)
    .await?;
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM sandbox_youtube_accounts WHERE name = ? AND has_channel = ?"
    )))
    .bind(name)
    .bind(has_channel)
    .fetch_one(db)
    .await
}

pub async fn account(db: &SqlitePool, id: &str) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM sandbox_youtube_accounts WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Whether the account already has a live offline grant: then a consent without
/// `prompt=consent` brings no new refresh token (contract 2.1).
pub async fn has_offline_grant(
    db: &SqlitePool,
    account_id: &str,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sandbox_youtube_grants WHERE account_id = ? AND offline = 1
         AND revoked_ms IS NULL AND (refresh_expires_ms IS NULL OR refresh_expires_ms > ?)",
    )
    .bind(account_id)
    .bind(now_ms)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

pub struct NewCode<'a> {
    pub code: &'a str,
    pub account_id: &'a str,
    pub scopes: &'a str,
    pub redirect_uri: &'a str,
    pub code_challenge: Option<&'a str>,
    pub offline: bool,
    pub issue_refresh: bool,
    pub expires_ms: i64,
}

pub async fn insert_code(db: &SqlitePool, c: &NewCode<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_youtube_codes
         (code_hash, account_id, scopes, redirect_uri, code_challenge, offline, issue_refresh, expires_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(hash_token(c.code))
    .bind(c.account_id)
    .bind(c.scopes)
    .bind(c.redirect_uri)
    .bind(c.code_challenge)
    .bind(c.offline)
    .bind(c.issue_refresh)
    .bind(c.expires_ms)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct Code {
    pub account_id: String,
    pub scopes: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub offline: bool,
    pub issue_refresh: bool,
    pub expires_ms: i64,
}

pub enum CodeUse {
    Fresh(Code),
    /// Redeemed before: the grant it made, to revoke.
    Replayed(Option<i64>),
    Unknown,
}

/// Marks the code used, once.
pub async fn redeem_code(db: &SqlitePool, code: &str, now_ms: i64) -> Result<CodeUse, sqlx::Error> {
    let hash = hash_token(code);
    let fresh: Option<Code> = sqlx::query_as(
        "UPDATE sandbox_youtube_codes SET used_ms = ? WHERE code_hash = ? AND used_ms IS NULL
         RETURNING account_id, scopes, redirect_uri, code_challenge, offline, issue_refresh, expires_ms",
    )
    .bind(now_ms)
    .bind(&hash)
    .fetch_optional(db)
    .await?;
    if let Some(code) = fresh {
        return Ok(CodeUse::Fresh(code));
    }
    let used: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT grant_id FROM sandbox_youtube_codes WHERE code_hash = ?")
            .bind(&hash)
            .fetch_optional(db)
            .await?;
    Ok(match used {
        Some((grant,)) => CodeUse::Replayed(grant),
        None => CodeUse::Unknown,
    })
}

pub async fn link_code(db: &SqlitePool, code: &str, grant_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sandbox_youtube_codes SET grant_id = ? WHERE code_hash = ?")
        .bind(grant_id)
        .bind(hash_token(code))
        .execute(db)
        .await?;
    Ok(())
}

pub struct NewGrant<'a> {
    pub account_id: &'a str,
    pub scopes: &'a str,
    pub offline: bool,
    pub refresh_expires_ms: Option<i64>,
}

pub async fn insert_grant(
    db: &SqlitePool,
    g: &NewGrant<'_>,
    now_ms: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sandbox_youtube_grants (account_id, scopes, offline, created_ms, refresh_expires_ms)
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(g.account_id)
    .bind(g.scopes)
    .bind(g.offline)
    .bind(now_ms)
    .bind(g.refresh_expires_ms)
    .fetch_one(db)
    .await
}

pub async fn revoke_grant(db: &SqlitePool, grant_id: i64, now_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sandbox_youtube_grants SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL",
    )
    .bind(now_ms)
    .bind(grant_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends every grant of the account for the sandbox's one client (contract 2.4: after a revoke,
/// every token the client holds for that user is dead).
pub async fn revoke_account(
    db: &SqlitePool,
    account_id: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sandbox_youtube_grants SET revoked_ms = ? WHERE account_id = ? AND revoked_ms IS NULL",
    )
    .bind(now_ms)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(())
}

pub enum Kind {
    Access,
    Refresh,
}

impl Kind {
    fn as_str(&self) -> &'static str {
        match self {
            Kind::Access => "access",
            Kind::Refresh => "refresh",
        }
    }
}

/// Issues a token of `kind` under the grant: `ya29.sandbox…` or `1//sandbox…`.
pub async fn issue(
    db: &SqlitePool,
    grant_id: i64,
    kind: Kind,
    expires_ms: Option<i64>,
) -> Result<String, sqlx::Error> {
    let token = match kind {
        Kind::Access => format!("ya29.sandbox{}", random_token(32)),
        Kind::Refresh => format!("1//sandbox{}", random_token(32)),
    };
    sqlx::query(
        "INSERT INTO sandbox_youtube_tokens (token_hash, grant_id, kind, expires_ms) VALUES (?, ?, ?, ?)",
    )
    .bind(hash_token(&token))
    .bind(grant_id)
    .bind(kind.as_str())
    .bind(expires_ms)
    .execute(db)
    .await?;
    Ok(token)
}

pub async fn revoke_token(db: &SqlitePool, token: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sandbox_youtube_tokens SET revoked_ms = ? WHERE token_hash = ?")
        .bind(now_ms)
        .bind(hash_token(token))
        .execute(db)
        .await?;
    Ok(())
}

/// A live token and what its grant allows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Live {
    pub grant_id: i64,
    pub kind: String,
    pub scopes: String,
    pub account_id: String,
    pub has_channel: bool,
    pub channel_id: Option<String>,
    pub refresh_expires_ms: Option<i64>,
}

/// The token if it is live: known, unexpired, unrevoked, and its grant too.
pub async fn live(db: &SqlitePool, token: &str, now_ms: i64) -> Result<Option<Live>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.grant_id, t.kind, g.scopes, g.account_id, a.has_channel, a.channel_id, g.refresh_expires_ms
         FROM sandbox_youtube_tokens t
         JOIN sandbox_youtube_grants g ON g.id = t.grant_id
         JOIN sandbox_youtube_accounts a ON a.id = g.account_id
         WHERE t.token_hash = ? AND t.revoked_ms IS NULL AND g.revoked_ms IS NULL
           AND (t.expires_ms IS NULL OR t.expires_ms > ?)",
    )
    .bind(hash_token(token))
    .bind(now_ms)
    .fetch_optional(db)
    .await
}
