//! API tokens for scripts: `Authorization: Bearer cast_…`. Only their hashes are stored.

use serde::Serialize;
use sqlx::SqlitePool;

use super::OwnerError;
use crate::crypto;

const PREFIX: &str = "cast_";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a token named '{0}' already exists: revoke it first or choose another name")]
    NameTaken(String),
    #[error("no token is named '{0}'")]
    NotFound(String),
    #[error("{0}")]
    BadName(String),
    #[error(transparent)]
    Owner(#[from] OwnerError),
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> Self {
        Self::Owner(OwnerError::Db(e))
    }
}

fn check_name(name: &str) -> Result<&str, TokenError> {
    let name = name.trim();
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(name)
    } else {
        Err(TokenError::BadName(
            "a token name is 1 to 64 letters, digits, '-', '_' or '.', for example 'backup-script'"
                .into(),
        ))
    }
}

/// Creates a token and returns its value, which is shown once and never stored.
pub async fn create(db: &SqlitePool, name: &str, now: i64) -> Result<String, TokenError> {
    let name = check_name(name)?;
    let token = format!("{PREFIX}{}", crypto::random_token(32));
    let result =
        sqlx::query("INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, ?)")
            .bind(name)
            .bind(crypto::hash_token(&token))
            .bind(now)
            .execute(db)
            .await;
    match result {
        Ok(_) => Ok(token),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(TokenError::NameTaken(name.into()))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn list(db: &SqlitePool) -> Result<Vec<ApiToken>, TokenError> {
    Ok(
        sqlx::query_as("SELECT name, created_at, last_used_at FROM api_tokens ORDER BY name")
            .fetch_all(db)
            .await?,
    )
}

pub async fn revoke(db: &SqlitePool, name: &str) -> Result<(), TokenError> {
    let n = sqlx::query("DELETE FROM api_tokens WHERE name = ?")
        .bind(name.trim())
        .execute(db)
        .await?
        .rows_affected();
    if n == 0 {
        Err(TokenError::NotFound(name.trim().into()))
    } else {
        Ok(())
    }
}

/// How stale `last_used_at` may get before a request writes it again: a script polling every
/// second should not write to the database every second.
const USE_RECORD_EVERY_SECS: i64 = 60;

/// True when `token` is a live API token. Its use is recorded on the side: a request that only
/// reads must not fail because that write did (a full disk, a busy database).
pub async fn authenticate(db: &SqlitePool, token: &str, now: i64) -> Result<bool, OwnerError> {
    if !token.starts_with(PREFIX) || token.len() > 128 {
        return Ok(false);
    }
    let hash = crypto::hash_token(token);
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT id, last_used_at FROM api_tokens WHERE token_hash = ?")
            .bind(&hash)
            .fetch_optional(db)
            .await?;
    let Some((id, last_used_at)) = row else {
        return Ok(false);
    };
    if last_used_at.is_none_or(|t| now - t >= USE_RECORD_EVERY_SECS) {
        let recorded = sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
            .bind(now)
            .bind(id)
            .execute(db)
            .await;
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record an API token's use; the request goes on");
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_still_works_when_its_use_cannot_be_recorded() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("cast.db");
        let db = crate::db::connect(&path).await.expect("db");
        let token = create(&db, "script", 1_800_000_000).await.expect("token");
        db.close().await;
        // A read-only database refuses every write, as a full disk does.
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .read_only(true);
        let ro = SqlitePool::connect_with(options)
            .await
            .expect("read-only db");
        assert!(
            authenticate(&ro, &token, 1_800_000_100)
                .await
                .expect("no error")
        );
        assert!(
            !authenticate(&ro, "cast_wrong", 1_800_000_100)
                .await
                .expect("no error")
        );
    }
}
