//! One sign-in attempt with a platform: its `state` (random, stored hashed with the login that
//! asked and the platform, used once, 10 minutes) and its PKCE verifier, sealed beside it and
//! handed back only when that state is consumed (TikTok contract §2.1, §11).

use sqlx::SqlitePool;

use crate::crypto::{self, Sealer};
use crate::platforms::PlatformId;

const LIFETIME_SECS: i64 = 600;
/// Attempts kept at once: a person starts one or two; the oldest go first.
const MAX_PENDING: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("The sign-in came back without its security code.")]
    Missing,
    #[error("This sign-in was not started here, or was already used.")]
    Unknown,
    #[error("This sign-in took longer than 10 minutes.")]
    Expired,
}

impl StateError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Missing => "state_missing",
            Self::Unknown => "state_unknown",
            Self::Expired => "state_expired",
        }
    }
}

fn context(state_hash: &str) -> String {
    format!("pkce:{state_hash}")
}

/// A fresh `state`: 256 bits; the contract asks for at least 128.
pub fn new_state() -> String {
    crypto::random_token(32)
}

/// Keeps an attempt for this login (`binding`: the session's id, or "api" for token-authenticated
/// scripts) with `platform`: its `state` (from `new_state`) and its PKCE `verifier`.
pub async fn issue(
    db: &SqlitePool,
    sealer: &Sealer,
    attempt: &Attempt<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Attempt {
        platform,
        binding,
        state,
        verifier,
    } = *attempt;
    let hash = crypto::hash_token(state);
    sqlx::query("DELETE FROM oauth_states WHERE expires_at <= ?")
        .bind(now)
        .execute(db)
        .await?;
    sqlx::query(
        "INSERT INTO oauth_states (state_hash, binding, platform, expires_at, verifier)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&hash)
    .bind(binding)
    .bind(platform.as_str())
    .bind(now + LIFETIME_SECS)
    .bind(sealer.seal(verifier, &context(&hash)))
    .execute(db)
    .await?;
    sqlx::query(
        "DELETE FROM oauth_states WHERE state_hash IN
             (SELECT state_hash FROM oauth_states ORDER BY expires_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
    )
    .bind(MAX_PENDING)
    .execute(db)
    .await?;
    Ok(())
}

/// One attempt to keep.
#[derive(Clone, Copy)]
pub struct Attempt<'a> {
    pub platform: PlatformId,
    pub binding: &'a str,
    pub state: &'a str,
    pub verifier: &'a str,
}

/// Consumes a state: it is deleted whatever the outcome, so it (and its verifier) can never be
/// replayed. Gives the attempt's verifier for the token exchange.
pub async fn consume(
    db: &SqlitePool,
    sealer: &Sealer,
    platform: PlatformId,
    state: Option<&str>,
    binding: &str,
    now: i64,
) -> Result<Result<String, StateError>, sqlx::Error> {
    let Some(state) = state.filter(|s| !s.is_empty()) else {
        return Ok(Err(StateError::Missing));
    };
    let hash = crypto::hash_token(state);
    let row: Option<(String, String, i64, Option<Vec<u8>>)> = sqlx::query_as(
        "DELETE FROM oauth_states WHERE state_hash = ?
         RETURNING binding, platform, expires_at, verifier",
    )
    .bind(&hash)
    .fetch_optional(db)
    .await?;
    let Some((bound, for_platform, expires_at, sealed)) = row else {
        return Ok(Err(StateError::Unknown));
    };
    // The hash lookup already matched the value; these comparisons are of our own ids.
    if !crypto::constant_time_eq(&bound, binding) || for_platform != platform.as_str() {
        return Ok(Err(StateError::Unknown));
    }
    if expires_at <= now {
        return Ok(Err(StateError::Expired));
    }
    // An attempt started before Cast kept verifiers, or one sealed with another key: start again.
    let verifier = sealed
        .and_then(|s| sealer.open(&s, &context(&hash)).ok())
        .filter(|v| !v.is_empty());
    Ok(verifier.ok_or(StateError::Unknown))
}

/// How many attempts are waiting for TikTok's answer.
pub async fn pending(db: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM oauth_states")
        .fetch_one(db)
        .await
}
