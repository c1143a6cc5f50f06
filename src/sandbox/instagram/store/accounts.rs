//! Accounts, authorization codes and tokens. Codes and tokens are stored as hashes only.

use sqlx::SqlitePool;

use crate::crypto::hash_token;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    pub user_id: String,
    pub app_scoped_id: String,
    pub username: String,
    pub account_type: String,
}

/// The account behind `username`, made on first use with stable ids; its type is what the
/// consent page chose this time (the owner may "switch" it between connects).
pub async fn ensure_account(
    db: &SqlitePool,
    username: &str,
    account_type: &str,
    ids: (String, String),
    now_ms: i64,
) -> Result<Account, sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_instagram_accounts (user_id, app_scoped_id, username, account_type, created_ms)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET account_type = excluded.account_type",
    )
    .bind(&ids.0)
    .bind(&ids.1)
    .bind(username)
    .bind(account_type)
    .bind(now_ms)
    .execute(db)
    .await?;
    sqlx::query_as(
        "SELECT user_id, app_scoped_id, username, account_type FROM sandbox_instagram_accounts WHERE username = ?",
    )
    .bind(username)
    .fetch_one(db)
    .await
}

pub async fn account(db: &SqlitePool, user_id: &str) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, app_scoped_id, username, account_type FROM sandbox_instagram_accounts WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await
}

pub async fn insert_code(
    db: &SqlitePool,
    code: &str,
    user_id: &str,
    scopes: &str,
    redirect_uri: &str,
    expires_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_instagram_codes (code_hash, user_id, scopes, redirect_uri, expires_ms) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(hash_token(code))
    .bind(user_id)
    .bind(scopes)
    .bind(redirect_uri)
    .bind(expires_ms)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct Code {
    pub user_id: String,
    pub scopes: String,
    pub redirect_uri: String,
    pub expires_ms: i64,
    pub used_ms: Option<i64>,
}

pub async fn code(db: &SqlitePool, code: &str) -> Result<Option<Code>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, scopes, redirect_uri, expires_ms, used_ms FROM sandbox_instagram_codes WHERE code_hash = ?",
    )
    .bind(hash_token(code))
    .fetch_optional(db)
    .await
}

/// Marks a code used; false when another exchange used it first.
pub async fn use_code(db: &SqlitePool, code: &str, now_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sandbox_instagram_codes SET used_ms = ? WHERE code_hash = ? AND used_ms IS NULL",
    )
    .bind(now_ms)
    .bind(hash_token(code))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct NewToken<'a> {
    pub token: &'a str,
    pub user_id: &'a str,
    pub kind: &'a str,
    pub scopes: &'a str,
    pub issued_ms: i64,
    pub expires_ms: i64,
}

pub async fn insert_token(db: &SqlitePool, t: &NewToken<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_instagram_tokens (token_hash, user_id, kind, scopes, issued_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(hash_token(t.token))
    .bind(t.user_id)
    .bind(t.kind)
    .bind(t.scopes)
    .bind(t.issued_ms)
    .bind(t.expires_ms)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Token {
    pub token_hash: String,
    pub user_id: String,
    pub kind: String,
    pub scopes: String,
    pub issued_ms: i64,
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// The token row, whatever its state: the caller tells expired from revoked, as Meta's
/// messages do.
pub async fn token(db: &SqlitePool, token: &str) -> Result<Option<Token>, sqlx::Error> {
    sqlx::query_as(
        "SELECT token_hash, user_id, kind, scopes, issued_ms, expires_ms, revoked_ms FROM sandbox_instagram_tokens WHERE token_hash = ?",
    )
    .bind(hash_token(token))
    .fetch_optional(db)
    .await
}

/// Kills a token (after a refresh replaced it); false if it was already dead.
pub async fn revoke_token(
    db: &SqlitePool,
    token_hash: &str,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sandbox_instagram_tokens SET revoked_ms = ? WHERE token_hash = ? AND revoked_ms IS NULL",
    )
    .bind(now_ms)
    .bind(token_hash)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
