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
pub async fn create(db: &SqlitePool, name: &str) -> Result<String, TokenError> {
    let name = check_name(name)?;
    let token = format!("{PREFIX}{}", crypto::random_token(32));
    let result =
        sqlx::query("INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, ?)")
            .bind(name)
            .bind(crypto::hash_token(&token))
            .bind(crate::db::now())
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

/// True when `token` is a live API token; records its use.
pub async fn authenticate(db: &SqlitePool, token: &str) -> Result<bool, OwnerError> {
    if !token.starts_with(PREFIX) || token.len() > 128 {
        return Ok(false);
    }
    let n = sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?")
        .bind(crate::db::now())
        .bind(crypto::hash_token(token))
        .execute(db)
        .await?
        .rows_affected();
    Ok(n == 1)
}
