//! The owner as the rest of Cast asks about them: is a password set, is this setup link or API
//! token theirs (a login attempt is `login::Login`'s). Handlers and the command line call these; the
//! SQL stays in `password`, `setup` and `api_tokens`.

use sqlx::SqlitePool;

use super::api_tokens::{self, ApiToken, TokenError};
use super::password::{self, NewPassword};
use super::{OwnerError, setup};
use crate::clock::Clock;

#[derive(Clone)]
pub struct Owner {
    db: SqlitePool,
    clock: Clock,
}

impl Owner {
    pub fn new(db: SqlitePool, clock: Clock) -> Self {
        Self { db, clock }
    }

    pub async fn password_is_set(&self) -> Result<bool, OwnerError> {
        password::is_set(&self.db).await
    }

    /// A fresh one-time setup link when no password is set yet (printed once at start).
    pub async fn issue_setup_link(&self) -> Result<Option<String>, OwnerError> {
        setup::issue_if_needed(&self.db, self.clock.now()).await
    }

    pub async fn setup_link_is_valid(&self, token: &str) -> Result<bool, OwnerError> {
        setup::is_valid(&self.db, token).await
    }

    /// Sets the first password through the setup link, which then stops working. False when the
    /// link was not (or no longer) valid.
    pub async fn complete_setup(&self, token: &str, new: NewPassword) -> Result<bool, OwnerError> {
        let phc = hash(new).await?;
        setup::complete(&self.db, token, &phc, self.clock.now()).await
    }

    /// `cast set-password`: the new password, every login ended, any setup link burned.
    pub async fn reset_password(&self, new: NewPassword) -> Result<(), OwnerError> {
        let phc = hash(new).await?;
        setup::reset(&self.db, &phc, self.clock.now()).await
    }

    /// Whether a bearer token is one of the owner's live API tokens.
    pub async fn authenticate_token(&self, token: &str) -> Result<bool, OwnerError> {
        api_tokens::authenticate(&self.db, token, self.clock.now()).await
    }

    pub async fn create_token(&self, name: &str) -> Result<String, TokenError> {
        api_tokens::create(&self.db, name, self.clock.now()).await
    }

    pub async fn list_tokens(&self) -> Result<Vec<ApiToken>, TokenError> {
        api_tokens::list(&self.db).await
    }

    pub async fn revoke_token(&self, name: &str) -> Result<(), TokenError> {
        api_tokens::revoke(&self.db, name).await
    }
}

/// Argon2 takes a moment of CPU: off the async threads.
async fn hash(new: NewPassword) -> Result<String, OwnerError> {
    tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(|e| OwnerError::Hash(e.to_string()))?
}
