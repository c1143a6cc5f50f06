//! Accounts as the rest of Cast uses them, whatever the platform: list and find them, store a
//! connection, keep their tokens and status, and the OAuth attempts in between.

use std::collections::BTreeMap;
use std::sync::Arc;

use sqlx::SqlitePool;

use super::oauth_outcome;
use super::oauth_state::{self, StateError};
use super::repository::{self, StoredTokens};
use super::{Account, AccountError, AccountKey, AccountStatus, NewConnection, TokenPair};
use crate::clock::Clock;
use crate::crypto::Sealer;
use crate::notify::{Event as Notice, EventKind, Notifier, Target as NoticeTarget};
use crate::platforms::PlatformId;

#[derive(Clone)]
pub struct Accounts {
    db: SqlitePool,
    sealer: Sealer,
    clock: Clock,
    notifier: Notifier,
    /// Cast's address, for the links in notifications.
    base_url: String,
    /// The scopes each platform needs to post, to name the ones an account did not grant.
    required: Arc<BTreeMap<PlatformId, Vec<String>>>,
}

impl Accounts {
    pub fn new(
        db: SqlitePool,
        sealer: Sealer,
        clock: Clock,
        notifier: Notifier,
        base_url: String,
    ) -> Self {
        Self {
            db,
            sealer,
            clock,
            notifier,
            base_url: base_url.trim_end_matches('/').to_string(),
            required: Arc::default(),
        }
    }

    /// Says which scopes `platform` needs (the app factory, from each connector).
    pub fn requiring(mut self, platform: PlatformId, scopes: &[&str]) -> Self {
        Arc::make_mut(&mut self.required)
            .insert(platform, scopes.iter().map(|s| s.to_string()).collect());
        self
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    fn with_missing(&self, mut account: Account) -> Account {
        account.missing_scopes = self
            .required
            .get(&account.platform)
            .map(|needed| {
                needed
                    .iter()
                    .filter(|s| !account.scopes.contains(s))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        account
    }

    /// Every connected account (not the disconnected ones), oldest first.
    pub async fn list(&self) -> Result<Vec<Account>, AccountError> {
        Ok(repository::list_connected(&self.db)
            .await?
            .into_iter()
            .map(|a| self.with_missing(a))
            .collect())
    }

    /// The account, connected or not (a disconnected one keeps its name for the history).
    pub async fn find(&self, key: &AccountKey) -> Result<Option<Account>, AccountError> {
        Ok(repository::find(&self.db, key)
            .await?
            .map(|a| self.with_missing(a)))
    }

    /// A connected account of `platform`: the named one, or the only one when none is named.
    pub async fn resolve(
        &self,
        platform: PlatformId,
        id: Option<&str>,
    ) -> Result<Account, AccountError> {
        match id.map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => match self.find(&AccountKey::new(platform, id)).await? {
                Some(a) if a.status != AccountStatus::Disconnected => Ok(a),
                _ => Err(AccountError::NotFound(platform)),
            },
            None => {
                let mut all: Vec<Account> = self
                    .list()
                    .await?
                    .into_iter()
                    .filter(|a| a.platform == platform)
                    .collect();
                match all.len() {
                    0 => Err(AccountError::NoAccount(platform)),
                    1 => Ok(all.remove(0)),
                    _ => Err(AccountError::Ambiguous(platform)),
                }
            }
        }
    }

    /// Stores a connection (sealed tokens), or renews the account's.
    pub async fn store_connected(&self, new: &NewConnection) -> Result<(), AccountError> {
        repository::upsert_connected(&self.db, &self.sealer, &new.key, &new.tokens, self.now())
            .await?;
        tracing::info!(account = %new.key, scopes = %new.tokens.scopes.join(","), "account connected");
        Ok(())
    }

    pub async fn update_profile(
        &self,
        key: &AccountKey,
        username: Option<&str>,
        display_name: &str,
        avatar_url: &str,
    ) -> Result<(), AccountError> {
        repository::update_profile(
            &self.db,
            key,
            username,
            display_name,
            avatar_url,
            self.now(),
        )
        .await?;
        Ok(())
    }

    /// The account's tokens; why not, when it has none to use.
    pub async fn tokens(&self, key: &AccountKey) -> Result<StoredTokens, AccountError> {
        match repository::load_tokens(&self.db, &self.sealer, key).await? {
            Some(t) => Ok(t),
            None => match repository::find(&self.db, key).await? {
                Some(a) if a.status == AccountStatus::NeedsReconnect => {
                    Err(AccountError::NeedsReconnect(a.status_reason))
                }
                _ => Err(AccountError::NotFound(key.platform)),
            },
        }
    }

    pub async fn store_refreshed(
        &self,
        key: &AccountKey,
        tokens: &TokenPair,
    ) -> Result<(), AccountError> {
        repository::store_refreshed(&self.db, &self.sealer, key, tokens, self.now()).await?;
        Ok(())
    }

    /// The platform no longer accepts the account's sign-in: it says so on its card, and the
    /// owner is told once (a failing notifier changes nothing here).
    pub async fn mark_needs_reconnect(
        &self,
        key: &AccountKey,
        reason: &str,
    ) -> Result<(), AccountError> {
        let before = repository::find(&self.db, key).await?;
        repository::mark(
            &self.db,
            key,
            AccountStatus::NeedsReconnect,
            reason,
            self.now(),
        )
        .await?;
        if let Some(account) = before.filter(|a| a.status == AccountStatus::Active) {
            let mut notice = Notice::new(
                EventKind::AccountNeedsReconnect,
                format!("account:{key}:needs_reconnect:{}", self.clock.now_ms()),
                reason,
            );
            notice.target = Some(NoticeTarget {
                id: None,
                platform: key.platform.as_str().to_string(),
                account: account.handle(),
                state: None,
            });
            notice.url = Some(format!("{}/", self.base_url));
            if let Err(e) = self.notifier.notify(notice).await {
                tracing::warn!(error = %e, "could not queue the reconnect notification");
            }
        }
        Ok(())
    }

    /// Forgets the tokens of a disconnected account (its row stays for the history).
    pub async fn forget_tokens(&self, key: &AccountKey) -> Result<(), AccountError> {
        repository::clear_tokens(&self.db, key, self.now()).await?;
        tracing::info!(account = %key, "account disconnected");
        Ok(())
    }

    /// The owner unticked `scope` at the platform: what needs it stops asking.
    pub async fn drop_scope(&self, key: &AccountKey, scope: &str) -> Result<(), AccountError> {
        repository::drop_scope(&self.db, key, scope, self.now()).await?;
        Ok(())
    }

    /// Active accounts of `platform` whose access token expires before `before`.
    pub async fn expiring(
        &self,
        platform: PlatformId,
        before: i64,
    ) -> Result<Vec<String>, AccountError> {
        Ok(repository::expiring(&self.db, platform, before).await?)
    }

    /// Keeps a sign-in attempt for this login on the server: its state, with the platform's
    /// PKCE verifier sealed beside it.
    pub async fn keep_attempt(
        &self,
        attempt: &oauth_state::Attempt<'_>,
    ) -> Result<(), AccountError> {
        Ok(oauth_state::issue(&self.db, &self.sealer, attempt, self.now()).await?)
    }

    /// Takes back the attempt a callback names (single use, whatever comes of it): its verifier.
    pub async fn take_attempt(
        &self,
        platform: PlatformId,
        state: Option<&str>,
        binding: &str,
    ) -> Result<Result<String, StateError>, AccountError> {
        Ok(
            oauth_state::consume(&self.db, &self.sealer, platform, state, binding, self.now())
                .await?,
        )
    }

    /// Remembers which account a sign-in state connected, for a repeated callback.
    pub async fn remember_outcome(
        &self,
        account: &Account,
        state: &str,
        binding: &str,
    ) -> Result<(), AccountError> {
        let now = self.now();
        Ok(oauth_outcome::remember(
            &self.db,
            account.platform,
            state,
            binding,
            &account.account_id,
            now,
        )
        .await?)
    }

    /// The account a used state already connected for this login (a callback that came twice).
    pub async fn connected_by(
        &self,
        platform: PlatformId,
        state: &str,
        binding: &str,
    ) -> Result<Option<Account>, AccountError> {
        let Some(id) =
            oauth_outcome::recall(&self.db, platform, state, binding, self.now()).await?
        else {
            return Ok(None);
        };
        self.find(&AccountKey::new(platform, id)).await
    }

    /// How many sign-in attempts are waiting for a platform's answer.
    pub async fn pending_attempts(&self) -> Result<i64, AccountError> {
        Ok(oauth_state::pending(&self.db).await?)
    }
}
