//! What a consumed sign-in state connected. Platforms have sent the owner back twice with one
//! code (Instagram contract 2.2): the second callback must show the first connect's result, and
//! must never exchange the used code again or undo what the first one saved.

use sqlx::SqlitePool;

use crate::crypto;
use crate::platforms::PlatformId;

/// As long as the state itself would have lived: a repeat comes seconds later, not hours.
const LIFETIME_SECS: i64 = 600;

/// Records that `state`, used by this login, connected `account_id`.
pub async fn remember(
    db: &SqlitePool,
    platform: PlatformId,
    state: &str,
    binding: &str,
    account_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM oauth_outcomes WHERE expires_at <= ?")
        .bind(now)
        .execute(db)
        .await?;
    sqlx::query(
        "INSERT OR REPLACE INTO oauth_outcomes (state_hash, binding, platform, account_id, expires_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(crypto::hash_token(state))
    .bind(binding)
    .bind(platform.as_str())
    .bind(account_id)
    .bind(now + LIFETIME_SECS)
    .execute(db)
    .await?;
    Ok(())
}

/// The account an earlier callback of this login connected with `state`, if any.
pub async fn recall(
    db: &SqlitePool,
    platform: PlatformId,
    state: &str,
    binding: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT binding, platform, account_id FROM oauth_outcomes
         WHERE state_hash = ? AND expires_at > ?",
    )
    .bind(crypto::hash_token(state))
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row
        .filter(|(bound, p, _)| crypto::constant_time_eq(bound, binding) && p == platform.as_str())
        .map(|(_, _, account_id)| account_id))
}
