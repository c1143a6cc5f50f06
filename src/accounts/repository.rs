//! All SQL for the `accounts` table, keyed by (platform, account id).

use sqlx::{SqliteExecutor, SqlitePool};

use super::gateway::TokenPair;
use super::{Account, AccountError, AccountKey, AccountStatus};
use crate::crypto::Sealer;
use crate::platforms::PlatformId;

#[derive(sqlx::FromRow)]
struct Row {
    platform: String,
    account_id: String,
    username: String,
    display_name: String,
    avatar_url: String,
    scopes: String,
    status: String,
    status_reason: String,
    connected_at: i64,
}

impl Row {
    fn into_account(self) -> Option<Account> {
        Some(Account {
            platform: PlatformId::parse(&self.platform)?,
            account_id: self.account_id,
            username: self.username,
            display_name: self.display_name,
            avatar_url: self.avatar_url,
            status: AccountStatus::parse(&self.status),
            status_reason: self.status_reason,
            scopes: self
                .scopes
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            missing_scopes: Vec::new(),
            connected_at: self.connected_at,
        })
    }
}

const COLUMNS: &str = "platform, account_id, username, display_name, avatar_url, scopes, status, \
    status_reason, connected_at";

/// The sealed tokens of one account, opened.
pub struct StoredTokens {
    pub access_token: String,
    pub access_expires_at: i64,
    pub refresh_token: String,
    /// None: the platform did not say how long the refresh token lives; kept until refused.
    pub refresh_expires_at: Option<i64>,
}

/// What each sealed token is bound to, so a token cannot be moved to another account's row.
/// TikTok's keep the form they had before accounts had a platform.
fn context(kind: &str, key: &AccountKey) -> String {
    match key.platform {
        PlatformId::TikTok => format!("{kind}:{}", key.id),
        other => format!("{kind}:{other}:{}", key.id),
    }
}

pub async fn list_connected(db: &SqlitePool) -> Result<Vec<Account>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts WHERE status != 'disconnected' ORDER BY connected_at, rowid"
    )))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().filter_map(Row::into_account).collect())
}

pub async fn find(
    db: impl SqliteExecutor<'_>,
    key: &AccountKey,
) -> Result<Option<Account>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts WHERE platform = ? AND account_id = ?"
    )))
    .bind(key.platform.as_str())
    .bind(&key.id)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(Row::into_account))
}

fn expiry(t: i64, secs: Option<std::time::Duration>) -> Option<i64> {
    secs.map(|d| t.saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
}

/// Stores a new connection, or renews an existing one for the same account (no duplicates).
pub async fn upsert_connected(
    db: &SqlitePool,
    sealer: &Sealer,
    key: &AccountKey,
    tokens: &TokenPair,
    t: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO accounts (platform, account_id, scopes, access_token, access_expires_at,
                               refresh_token, refresh_expires_at, status, status_reason,
                               connected_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'active', '', ?, ?)
         ON CONFLICT (platform, account_id) DO UPDATE SET
            scopes = excluded.scopes, access_token = excluded.access_token,
            access_expires_at = excluded.access_expires_at, refresh_token = excluded.refresh_token,
            refresh_expires_at = excluded.refresh_expires_at, status = 'active', status_reason = '',
            connected_at = CASE WHEN accounts.status = 'disconnected' THEN excluded.connected_at ELSE accounts.connected_at END,
            updated_at = excluded.updated_at",
    )
    .bind(key.platform.as_str())
    .bind(&key.id)
    .bind(tokens.scopes.join(","))
    .bind(sealer.seal(&tokens.access_token, &context("access", key)))
    .bind(t + tokens.expires_in.as_secs() as i64)
    .bind(sealer.seal(&tokens.refresh_token, &context("refresh", key)))
    .bind(expiry(t, tokens.refresh_expires_in))
    .bind(t)
    .bind(t)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_profile(
    db: &SqlitePool,
    key: &AccountKey,
    username: Option<&str>,
    display_name: &str,
    avatar_url: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET username = COALESCE(?, username), display_name = ?, avatar_url = ?,
                updated_at = ?
         WHERE platform = ? AND account_id = ?",
    )
    .bind(username)
    .bind(display_name)
    .bind(avatar_url)
    .bind(now)
    .bind(key.platform.as_str())
    .bind(&key.id)
    .execute(db)
    .await?;
    Ok(())
}

/// The sealed columns as stored: each is NULL once the account is disconnected.
type SealedRow = (Option<Vec<u8>>, Option<i64>, Option<Vec<u8>>, Option<i64>);

pub async fn load_tokens(
    db: &SqlitePool,
    sealer: &Sealer,
    key: &AccountKey,
) -> Result<Option<StoredTokens>, AccountError> {
    let row: Option<SealedRow> = sqlx::query_as(
        "SELECT access_token, access_expires_at, refresh_token, refresh_expires_at FROM accounts
         WHERE platform = ? AND account_id = ? AND status = 'active'",
    )
    .bind(key.platform.as_str())
    .bind(&key.id)
    .fetch_optional(db)
    .await?;
    let Some((Some(a), Some(ae), Some(r), re)) = row else {
        return Ok(None);
    };
    Ok(Some(StoredTokens {
        access_token: sealer.open(&a, &context("access", key))?,
        access_expires_at: ae,
        refresh_token: sealer.open(&r, &context("refresh", key))?,
        refresh_expires_at: re,
    }))
}

/// Stores a refreshed pair in one statement: the old refresh token may die the moment the
/// platform rotates it.
pub async fn store_refreshed(
    db: &SqlitePool,
    sealer: &Sealer,
    key: &AccountKey,
    tokens: &TokenPair,
    t: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET access_token = ?, access_expires_at = ?, refresh_token = ?,
                refresh_expires_at = ?, scopes = CASE WHEN ? = '' THEN scopes ELSE ? END,
                updated_at = ?
         WHERE platform = ? AND account_id = ?",
    )
    .bind(sealer.seal(&tokens.access_token, &context("access", key)))
    .bind(t + tokens.expires_in.as_secs() as i64)
    .bind(sealer.seal(&tokens.refresh_token, &context("refresh", key)))
    .bind(expiry(t, tokens.refresh_expires_in))
    .bind(tokens.scopes.join(","))
    .bind(tokens.scopes.join(","))
    .bind(t)
    .bind(key.platform.as_str())
    .bind(&key.id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark(
    db: &SqlitePool,
    key: &AccountKey,
    status: AccountStatus,
    reason: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET status = ?, status_reason = ?, updated_at = ?
         WHERE platform = ? AND account_id = ?",
    )
    .bind(status.as_str())
    .bind(reason)
    .bind(now)
    .bind(key.platform.as_str())
    .bind(&key.id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn clear_tokens(db: &SqlitePool, key: &AccountKey, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET access_token = NULL, access_expires_at = NULL, refresh_token = NULL,
                refresh_expires_at = NULL, status = 'disconnected', status_reason = '', updated_at = ?
         WHERE platform = ? AND account_id = ?",
    )
    .bind(now)
    .bind(key.platform.as_str())
    .bind(&key.id)
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets one granted scope (the owner unticked it at the platform): what needs it stops asking.
pub async fn drop_scope(
    db: &SqlitePool,
    key: &AccountKey,
    scope: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(account) = find(db, key).await? else {
        return Ok(());
    };
    let kept: Vec<&str> = account
        .scopes
        .iter()
        .map(String::as_str)
        .filter(|s| *s != scope)
        .collect();
    sqlx::query(
        "UPDATE accounts SET scopes = ?, updated_at = ? WHERE platform = ? AND account_id = ?",
    )
    .bind(kept.join(","))
    .bind(now)
    .bind(key.platform.as_str())
    .bind(&key.id)
    .execute(db)
    .await?;
    Ok(())
}

/// Active accounts of `platform` whose access token expires before `before` (unix seconds).
pub async fn expiring(
    db: &SqlitePool,
    platform: PlatformId,
    before: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT account_id FROM accounts
         WHERE platform = ? AND status = 'active' AND access_expires_at < ?",
    )
    .bind(platform.as_str())
    .bind(before)
    .fetch_all(db)
    .await
}
