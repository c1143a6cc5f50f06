//! All SQL for the `accounts` table.

use sqlx::{SqliteExecutor, SqlitePool};

use super::{Account, AccountStatus};
use crate::crypto::Sealer;
use crate::platforms::tiktok::client::oauth::TokenSet;

#[derive(sqlx::FromRow)]
struct Row {
    open_id: String,
    username: String,
    display_name: String,
    avatar_url: String,
    scopes: String,
    status: String,
    status_reason: String,
    connected_at: i64,
}

impl From<Row> for Account {
    fn from(r: Row) -> Self {
        Account {
            open_id: r.open_id,
            username: r.username,
            display_name: r.display_name,
            avatar_url: r.avatar_url,
            status: AccountStatus::parse(&r.status),
            status_reason: r.status_reason,
            scopes: r
                .scopes
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            connected_at: r.connected_at,
        }
    }
}

const COLUMNS: &str =
    "open_id, username, display_name, avatar_url, scopes, status, status_reason, connected_at";

/// The sealed tokens of one account, opened.
pub struct StoredTokens {
    pub access_token: String,
    pub access_expires_at: i64,
    pub refresh_token: String,
    /// None: TikTok did not say how long the refresh token lives; it is kept until refused.
    pub refresh_expires_at: Option<i64>,
}

fn context(kind: &str, open_id: &str) -> String {
    format!("{kind}:{open_id}")
}

pub async fn list_connected(db: &SqlitePool) -> Result<Vec<Account>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts WHERE status != 'disconnected' ORDER BY connected_at"
    )))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Account::from).collect())
}

pub async fn find(
    db: impl SqliteExecutor<'_>,
    open_id: &str,
) -> Result<Option<Account>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts WHERE open_id = ?"
    )))
    .bind(open_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Account::from))
}

/// Stores a new connection, or renews an existing one for the same open_id (no duplicates).
pub async fn upsert_connected(
    db: &SqlitePool,
    sealer: &Sealer,
    tokens: &TokenSet,
    t: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO accounts (open_id, scopes, access_token, access_expires_at, refresh_token, refresh_expires_at,
                               status, status_reason, connected_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'active', '', ?, ?)
         ON CONFLICT (open_id) DO UPDATE SET
            scopes = excluded.scopes, access_token = excluded.access_token,
            access_expires_at = excluded.access_expires_at, refresh_token = excluded.refresh_token,
            refresh_expires_at = excluded.refresh_expires_at, status = 'active', status_reason = '',
            connected_at = CASE WHEN accounts.status = 'disconnected' THEN excluded.connected_at ELSE accounts.connected_at END,
            updated_at = excluded.updated_at",
    )
    .bind(&tokens.open_id)
    .bind(tokens.scopes.join(","))
    .bind(sealer.seal(&tokens.access_token, &context("access", &tokens.open_id)))
    .bind(t + tokens.expires_in.as_secs() as i64)
    .bind(sealer.seal(&tokens.refresh_token, &context("refresh", &tokens.open_id)))
    .bind(refresh_expiry(tokens, t))
    .bind(t)
    .bind(t)
    .execute(db)
    .await?;
    Ok(())
}

fn refresh_expiry(tokens: &TokenSet, t: i64) -> Option<i64> {
    tokens
        .refresh_expires_in
        .map(|d| t.saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
}

pub async fn update_profile(
    db: &SqlitePool,
    open_id: &str,
    username: Option<&str>,
    display_name: &str,
    avatar_url: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET username = COALESCE(?, username), display_name = ?, avatar_url = ?, updated_at = ?
         WHERE open_id = ?",
    )
    .bind(username)
    .bind(display_name)
    .bind(avatar_url)
    .bind(now)
    .bind(open_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The sealed columns as stored: each is NULL once the account is disconnected.
type SealedRow = (Option<Vec<u8>>, Option<i64>, Option<Vec<u8>>, Option<i64>);

pub async fn load_tokens(
    db: &SqlitePool,
    sealer: &Sealer,
    open_id: &str,
) -> Result<Option<StoredTokens>, super::AccountError> {
    let row: Option<SealedRow> = sqlx::query_as(
        "SELECT access_token, access_expires_at, refresh_token, refresh_expires_at FROM accounts
         WHERE open_id = ? AND status = 'active'",
    )
    .bind(open_id)
    .fetch_optional(db)
    .await?;
    let Some((Some(a), Some(ae), Some(r), re)) = row else {
        return Ok(None);
    };
    Ok(Some(StoredTokens {
        access_token: sealer.open(&a, &context("access", open_id))?,
        access_expires_at: ae,
        refresh_token: sealer.open(&r, &context("refresh", open_id))?,
        refresh_expires_at: re,
    }))
}

/// Stores a refreshed pair in one statement: the old refresh token is dead the moment TikTok rotates it.
pub async fn store_refreshed(
    db: &SqlitePool,
    sealer: &Sealer,
    tokens: &TokenSet,
    t: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET access_token = ?, access_expires_at = ?, refresh_token = ?, refresh_expires_at = ?,
                scopes = CASE WHEN ? = '' THEN scopes ELSE ? END, updated_at = ?
         WHERE open_id = ?",
    )
    .bind(sealer.seal(&tokens.access_token, &context("access", &tokens.open_id)))
    .bind(t + tokens.expires_in.as_secs() as i64)
    .bind(sealer.seal(&tokens.refresh_token, &context("refresh", &tokens.open_id)))
    .bind(refresh_expiry(tokens, t))
    .bind(tokens.scopes.join(","))
    .bind(tokens.scopes.join(","))
    .bind(t)
    .bind(&tokens.open_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark(
    db: &SqlitePool,
    open_id: &str,
    status: AccountStatus,
    reason: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET status = ?, status_reason = ?, updated_at = ? WHERE open_id = ?",
    )
    .bind(status.as_str())
    .bind(reason)
    .bind(now)
    .bind(open_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn clear_tokens(db: &SqlitePool, open_id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET access_token = NULL, access_expires_at = NULL, refresh_token = NULL,
                refresh_expires_at = NULL, status = 'disconnected', status_reason = '', updated_at = ?
         WHERE open_id = ?",
    )
    .bind(now)
    .bind(open_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets one granted scope (the user unticked it in TikTok): what needs it stops asking.
pub async fn drop_scope(
    db: &SqlitePool,
    open_id: &str,
    scope: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(account) = find(db, open_id).await? else {
        return Ok(());
    };
    let kept: Vec<&str> = account
        .scopes
        .iter()
        .map(String::as_str)
        .filter(|s| *s != scope)
        .collect();
    sqlx::query("UPDATE accounts SET scopes = ?, updated_at = ? WHERE open_id = ?")
        .bind(kept.join(","))
        .bind(now)
        .bind(open_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Active accounts whose access token expires before `before` (unix seconds).
pub async fn expiring(db: &SqlitePool, before: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT open_id FROM accounts WHERE status = 'active' AND access_expires_at < ?",
    )
    .bind(before)
    .fetch_all(db)
    .await
}
