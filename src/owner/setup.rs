//! The one-time setup link printed on first start, before any password exists.

use sqlx::SqlitePool;

use super::{OwnerError, password};
use crate::crypto;

/// Makes a fresh setup token when no password is set yet; returns it so it can be printed once.
/// Each start replaces the previous one, since only its hash is kept.
pub async fn issue_if_needed(db: &SqlitePool, now: i64) -> Result<Option<String>, OwnerError> {
    if password::is_set(db).await? {
        clear(db).await?;
        return Ok(None);
    }
    let token = crypto::random_token(24);
    sqlx::query(
        "INSERT INTO setup_token (id, token_hash, created_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
    )
    .bind(crypto::hash_token(&token))
    .bind(now)
    .execute(db)
    .await?;
    Ok(Some(token))
}

/// Burns any setup link (a password was set another way).
pub async fn clear(db: impl sqlx::SqliteExecutor<'_>) -> Result<(), OwnerError> {
    sqlx::query("DELETE FROM setup_token").execute(db).await?;
    Ok(())
}

pub async fn is_valid(db: &SqlitePool, token: &str) -> Result<bool, OwnerError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT token_hash FROM setup_token WHERE id = 1")
            .fetch_optional(db)
            .await?;
    Ok(stored.is_some_and(|h| crypto::constant_time_eq(&h, &crypto::hash_token(token))))
}

/// Sets the first password and burns the token in one transaction, so the link works once only.
/// Returns false when the token was not (or no longer) valid.
pub async fn complete(
    db: &SqlitePool,
    token: &str,
    phc: &str,
    now: i64,
) -> Result<bool, OwnerError> {
    let mut tx = db.begin().await?;
    let burned = sqlx::query("DELETE FROM setup_token WHERE id = 1 AND token_hash = ?")
        .bind(crypto::hash_token(token))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if burned == 0 || password::is_set(&mut *tx).await? {
        return Ok(false);
    }
    password::store(&mut *tx, phc, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// `cast set-password`: the new hash, every existing login ended, any setup link burned, at once.
pub async fn reset(db: &SqlitePool, phc: &str, now: i64) -> Result<(), OwnerError> {
    let mut tx = db.begin().await?;
    password::store(&mut *tx, phc, now).await?;
    crate::session_store::delete_all(&mut *tx).await?;
    clear(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}
