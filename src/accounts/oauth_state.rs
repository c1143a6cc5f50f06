//! One sign-in attempt with TikTok: its `state` (random, stored hashed with the login that
//! asked, used once, 10 minutes) and its PKCE verifier, sealed beside it and handed back only
//! when that state is consumed (contract §2.1, §11).

use sqlx::SqlitePool;

use crate::crypto::{self, Sealer};
use crate::platforms::tiktok::client::pkce::Verifier;

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

/// A started attempt: `state` goes into the authorize URL, the verifier's challenge too.
pub struct Attempt {
    pub state: String,
    pub verifier: Verifier,
}

fn context(state_hash: &str) -> String {
    format!("pkce:{state_hash}")
}

/// A new attempt for this login (`binding`: the session's id, or "api" for token-authenticated scripts).
pub async fn issue(
    db: &SqlitePool,
    sealer: &Sealer,
    binding: &str,
    now: i64,
) -> Result<Attempt, sqlx::Error> {
    // 256 bits; the contract asks for at least 128.
    let state = crypto::random_token(32);
    let verifier = Verifier::random();
    let hash = crypto::hash_token(&state);
    sqlx::query("DELETE FROM oauth_states WHERE expires_at <= ?")
        .bind(now)
        .execute(db)
        .await?;
    sqlx::query(
        "INSERT INTO oauth_states (state_hash, binding, expires_at, verifier) VALUES (?, ?, ?, ?)",
    )
    .bind(&hash)
    .bind(binding)
    .bind(now + LIFETIME_SECS)
    .bind(sealer.seal(verifier.secret(), &context(&hash)))
    .execute(db)
    .await?;
    sqlx::query(
        "DELETE FROM oauth_states WHERE state_hash IN
             (SELECT state_hash FROM oauth_states ORDER BY expires_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
    )
    .bind(MAX_PENDING)
    .execute(db)
    .await?;
    Ok(Attempt { state, verifier })
}

/// Consumes a state: it is deleted whatever the outcome, so it (and its verifier) can never be
/// replayed. Gives the attempt's verifier for the token exchange.
pub async fn consume(
    db: &SqlitePool,
    sealer: &Sealer,
    state: Option<&str>,
    binding: &str,
    now: i64,
) -> Result<Result<Verifier, StateError>, sqlx::Error> {
    let Some(state) = state.filter(|s| !s.is_empty()) else {
        return Ok(Err(StateError::Missing));
    };
    let hash = crypto::hash_token(state);
    let row: Option<(String, i64, Option<Vec<u8>>)> = sqlx::query_as(
        "DELETE FROM oauth_states WHERE state_hash = ? RETURNING binding, expires_at, verifier",
    )
    .bind(&hash)
    .fetch_optional(db)
    .await?;
    let Some((bound, expires_at, sealed)) = row else {
        return Ok(Err(StateError::Unknown));
    };
    // The hash lookup already matched the value; the binding comparison is of our own ids.
    if !crypto::constant_time_eq(&bound, binding) {
        return Ok(Err(StateError::Unknown));
    }
    if expires_at <= now {
        return Ok(Err(StateError::Expired));
    }
    // An attempt started before Cast kept verifiers, or one sealed with another key: start again.
    let verifier = sealed
        .and_then(|s| sealer.open(&s, &context(&hash)).ok())
        .and_then(|v| Verifier::parse(&v));
    Ok(verifier.ok_or(StateError::Unknown))
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
        .bind(i64::MIN / 2)
        .execute(db)
        .await?;
    Ok(())
}
