//! actix-session's `SessionStore` over SQLite, so sessions survive a restart.
//!
//! Only the owner's session is ever stored: a state without the owner's mark is not written, so
//! nothing an anonymous visitor does can grow the table (a visitor's page needs no session:
//! the login form's CSRF token is a signed cookie, see `web::form_token`).

use std::collections::HashMap;

use actix_session::storage::{
    LoadError, SaveError, SessionKey, SessionStore, UpdateError, generate_session_key,
};
use actix_web::cookie::time::Duration;
use sqlx::{SqliteExecutor, SqlitePool};

use crate::clock::Clock;
use crate::crypto::hash_token;

/// The key `TypedSession::log_in` sets; its JSON value for the owner.
const OWNER_KEY: &str = "owner";
const OWNER_VALUE: &str = "true";

fn is_owners(state: &HashMap<String, String>) -> bool {
    state.get(OWNER_KEY).map(String::as_str) == Some(OWNER_VALUE)
}

/// Ends every login (a password reset).
pub async fn delete_all(db: impl SqliteExecutor<'_>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions")
        .execute(db)
        .await?
        .rows_affected())
}

pub async fn count(db: impl SqliteExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(db)
        .await
}

#[derive(Clone)]
pub struct SqliteSessionStore {
    db: SqlitePool,
    /// Expiries are judged on the app's clock, so a test can let a session lapse.
    clock: Clock,
}

impl SqliteSessionStore {
    pub fn new(db: SqlitePool, clock: Clock) -> Self {
        Self { db, clock }
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Deletes expired rows; run now and then so the table stays small.
    pub async fn purge_expired(&self) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(self.now())
            .execute(&self.db)
            .await?
            .rows_affected())
    }

    async fn write(
        &self,
        key: &SessionKey,
        state: &HashMap<String, String>,
        ttl: &Duration,
    ) -> anyhow::Result<()> {
        if !is_owners(state) {
            return Ok(());
        }
        let json = serde_json::to_string(state)?;
        sqlx::query(
            "INSERT INTO sessions (key_hash, state, expires_at) VALUES (?, ?, ?)
             ON CONFLICT (key_hash) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at",
        )
        .bind(hash_token(key.as_ref()))
        .bind(json)
        .bind(self.now() + ttl.whole_seconds())
        .execute(&self.db)
        .await?;
        Ok(())
    }
}

impl SessionStore for SqliteSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let row: Option<String> =
            sqlx::query_scalar("SELECT state FROM sessions WHERE key_hash = ? AND expires_at > ?")
                .bind(hash_token(key.as_ref()))
                .bind(self.now())
                .fetch_optional(&self.db)
                .await
                .map_err(|e| LoadError::Other(e.into()))?;
        row.map(|json| {
            serde_json::from_str(&json).map_err(|e| LoadError::Deserialization(e.into()))
        })
        .transpose()
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let key = generate_session_key();
        self.write(&key, &state, ttl)
            .await
            .map_err(SaveError::Other)?;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM sessions WHERE key_hash = ? AND expires_at > ?")
                .bind(hash_token(key.as_ref()))
                .bind(self.now())
                .fetch_optional(&self.db)
                .await
                .map_err(|e| UpdateError::Other(e.into()))?;
        // An expired or deleted session must not be revived under its old key.
        if exists.is_none() {
            return self.save(state, ttl).await.map_err(|e| match e {
                SaveError::Serialization(e) => UpdateError::Serialization(e),
                SaveError::Other(e) => UpdateError::Other(e),
            });
        }
        self.write(&key, &state, ttl)
            .await
            .map_err(UpdateError::Other)?;
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        sqlx::query("UPDATE sessions SET expires_at = ? WHERE key_hash = ?")
            .bind(self.now() + ttl.whole_seconds())
            .bind(hash_token(key.as_ref()))
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        sqlx::query("DELETE FROM sessions WHERE key_hash = ?")
            .bind(hash_token(key.as_ref()))
            .execute(&self.db)
            .await?;
        Ok(())
    }
}
