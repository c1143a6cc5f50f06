//! OAuth `state` values: random, stored hashed with the login that asked, used once, 10 minutes.

use sqlx::SqlitePool;

use crate::crypto;
use crate::db::now;

const LIFETIME_SECS: i64 = 600;
/// Attempts kept at once: a person starts one or two; the oldest go first.
const MAX_PENDING: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error(
        "The sign-in with TikTok came back without its security code. Start again from Connect TikTok."
    )]
    Missing,
    #[error(
        "This sign-in with TikTok was not started here, or was already used. Start again from Connect TikTok."
    )]
    Unknown,
    #[error(
        "This sign-in with TikTok took longer than 10 minutes. Start again from Connect TikTok."
    )]
    Expired,
}

/// A new state for this login (`binding`: the session's id, or "api" for token-authenticated scripts).
pub async fn issue(db: &SqlitePool, binding: &str) -> Result<String, sqlx::Error> {
    // 256 bits; the contract asks for at least 128.
    let state = crypto::random_token(32);
    sqlx::query("DELETE FROM oauth_states WHERE expires_at <= ?")
        .bind(now())
        .execute(db)
        .await?;
    sqlx::query("INSERT INTO oauth_states (state_hash, binding, expires_at) VALUES (?, ?, ?)")
        .bind(crypto::hash_token(&state))
        .bind(binding)
        .bind(now() + LIFETIME_SECS)
        .execute(db)
        .await?;
    sqlx::query(
        "DELETE FROM oauth_states WHERE state_hash IN
             (SELECT state_hash FROM oauth_states ORDER BY expires_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
    )
    .bind(MAX_PENDING)
    .execute(db)
    .await?;
    Ok(state)
}

/// Consumes a state: it is deleted whatever the outcome, so it can never be replayed.
pub async fn consume(
    db: &SqlitePool,
    state: Option<&str>,
    binding: &str,
) -> Result<Result<(), StateError>, sqlx::Error> {
    let Some(state) = state.filter(|s| !s.is_empty()) else {
        return Ok(Err(StateError::Missing));
    };
    let row: Option<(String, i64)> = sqlx::query_as(
        "DELETE FROM oauth_states WHERE state_hash = ? RETURNING binding, expires_at",
    )
    .bind(crypto::hash_token(state))
    .fetch_optional(db)
    .await?;
    Ok(match row {
        None => Err(StateError::Unknown),
        // The hash lookup already matched the value; the binding comparison is of our own ids.
        Some((bound, _)) if !crypto::constant_time_eq(&bound, binding) => Err(StateError::Unknown),
        Some((_, expires_at)) if expires_at <= now() => Err(StateError::Expired),
        Some(_) => Ok(()),
    })
}

/// How many attempts are waiting for TikTok's answer.
pub async fn pending(db: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM oauth_states")
        .fetch_one(db)
        .await
}

/// For tests: makes every state look older than its lifetime.
pub async fn expire_all(db: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE oauth_states SET expires_at = ?")
        .bind(now() - 1)
        .execute(db)
        .await?;
    Ok(())
}
