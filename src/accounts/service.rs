//! Accounts as the rest of Cast uses them: connect, get a live access token, disconnect.
//!
//! TikTok rotates the refresh token on every refresh and kills the old one at once, so two
//! refreshes of one account must never overlap: each account has its own lock (single flight).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::SqlitePool;

use super::oauth_state::{self, StateError};
use super::repository::{self, StoredTokens};
use super::{Account, AccountError, AccountStatus};
use crate::clock::Clock;
use crate::crypto::Sealer;
use crate::platforms::tiktok::client::client::VIDEO_LIST_SCOPE;
use crate::platforms::tiktok::client::pkce::Verifier;
use crate::platforms::tiktok::client::users::CreatorInfo;
use crate::platforms::tiktok::client::videos::ListedVideo;
use crate::platforms::tiktok::client::{ErrorKind, TikTokClient, TikTokError};

/// An access token this close to expiry is refreshed before use.
const REFRESH_MARGIN_SECS: i64 = 5 * 60;

/// What starting a sign-in gives: where to send the owner, and the state to expect back.
pub struct ConnectStart {
    pub url: String,
    pub state: String,
}

#[derive(Clone)]
pub struct Accounts {
    db: SqlitePool,
    sealer: Sealer,
    client: TikTokClient,
    clock: Clock,
    locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Accounts {
    pub fn new(db: SqlitePool, sealer: Sealer, client: TikTokClient, clock: Clock) -> Self {
        Self {
            db,
            sealer,
            client,
            clock,
            locks: Arc::default(),
        }
    }

    pub fn client(&self) -> &TikTokClient {
        &self.client
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Starts a sign-in for this login: a fresh state and PKCE verifier, kept on the server;
    /// the URL carries the state and the verifier's challenge (contract §2.1).
    pub async fn start_connect(&self, binding: &str) -> Result<ConnectStart, AccountError> {
        let attempt = oauth_state::issue(&self.db, &self.sealer, binding, self.now()).await?;
        let url = self
            .client
            .authorize_url(&attempt.state, &attempt.verifier)?;
        Ok(ConnectStart {
            url,
            state: attempt.state,
        })
    }

    /// Takes back the attempt a callback names: single use, whatever comes of it.
    pub async fn take_attempt(
        &self,
        state: Option<&str>,
        binding: &str,
    ) -> Result<Result<Verifier, StateError>, AccountError> {
        Ok(oauth_state::consume(&self.db, &self.sealer, state, binding, self.now()).await?)
    }

    /// The account, connected or not (a disconnected one keeps its name for the history).
    pub async fn find(&self, open_id: &str) -> Result<Option<Account>, AccountError> {
        Ok(repository::find(&self.db, open_id).await?)
    }

    pub async fn list(&self) -> Result<Vec<Account>, AccountError> {
        Ok(repository::list_connected(&self.db).await?)
    }

    /// The account to use: the named one, or the only one when none is named.
    pub async fn resolve(&self, open_id: Option<&str>) -> Result<Account, AccountError> {
        match open_id.filter(|s| !s.trim().is_empty()) {
            Some(id) => match repository::find(&self.db, id.trim()).await? {
                Some(a) if a.status != AccountStatus::Disconnected => Ok(a),
                _ => Err(AccountError::NotFound),
            },
            None => {
                let mut all = self.list().await?;
                match all.len() {
                    0 => Err(AccountError::NoAccount),
                    1 => Ok(all.remove(0)),
                    _ => Err(AccountError::Ambiguous),
                }
            }
        }
    }

    /// Finishes a sign-in: exchanges the code with the attempt's verifier, stores the sealed
    /// tokens, fills in the profile.
    pub async fn connect(&self, code: &str, verifier: &Verifier) -> Result<Account, AccountError> {
        let tokens = self.client.exchange_code(code, verifier).await?;
        repository::upsert_connected(&self.db, &self.sealer, &tokens, self.now()).await?;
        tracing::info!(open_id = %tokens.open_id, scopes = %tokens.scopes.join(","), "TikTok account connected");
        self.refresh_profile(&tokens.open_id).await;
        repository::find(&self.db, &tokens.open_id)
            .await?
            .ok_or(AccountError::NotFound)
    }

    /// Name and avatar from user info; the @username from creator info (Cast does not ask for the
    /// profile scope). A failure here leaves the connection in place with what is known.
    async fn refresh_profile(&self, open_id: &str) {
        let user = self
            .with_token(open_id, |t| async move { self.client.user_info(&t).await })
            .await;
        let creator = self
            .with_token(
                open_id,
                |t| async move { self.client.creator_info(&t).await },
            )
            .await;
        let (display_name, avatar) = match (&user, &creator) {
            (Ok(u), _) => (u.display_name.clone(), u.avatar_url.clone()),
            (Err(_), Ok(c)) => (c.creator_nickname.clone(), c.creator_avatar_url.clone()),
            (Err(e), Err(_)) => {
                tracing::warn!(open_id, error = %e, "could not read the TikTok profile");
                return;
            }
        };
        let username = creator
            .as_ref()
            .ok()
            .map(|c| c.creator_username.as_str())
            .filter(|u| !u.is_empty());
        if let Err(e) = repository::update_profile(
            &self.db,
            open_id,
            username,
            &display_name,
            &avatar,
            self.now(),
        )
        .await
        {
            tracing::warn!(open_id, error = %e, "could not store the TikTok profile");
        }
    }

    /// Creator info, fetched fresh (TikTok requires it each time the posting screen opens).
    pub async fn creator_info(&self, open_id: &str) -> Result<CreatorInfo, AccountError> {
        self.with_token(
            open_id,
            |t| async move { self.client.creator_info(&t).await },
        )
        .await
    }

    /// Runs a TikTok call with a live access token; on `access_token_invalid` refreshes once and retries once.
    pub async fn with_token<T, F, Fut>(&self, open_id: &str, call: F) -> Result<T, AccountError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, TikTokError>>,
    {
        let token = self.access_token(open_id).await?;
        match call(token.clone()).await {
            Err(e) if e.kind == ErrorKind::AccessTokenInvalid => {
                tracing::info!(open_id, "TikTok refused the access token; refreshing once");
                let fresh = self.refresh(open_id, Some(token)).await?;
                Ok(call(fresh).await?)
            }
            Err(e) if e.kind == ErrorKind::Reconnect => {
                repository::mark(
                    &self.db,
                    open_id,
                    AccountStatus::NeedsReconnect,
                    &e.to_string(),
                    self.now(),
                )
                .await?;
                Err(e.into())
            }
            other => Ok(other?),
        }
    }

    /// The creator's public videos, when the account granted `video.list` (§7.1). None when it
    /// did not; a `scope_not_authorized` answer (the user unticked it) turns the lookup off for
    /// this account instead of marking the whole account for reconnecting.
    pub async fn listed_videos(
        &self,
        open_id: &str,
    ) -> Result<Option<Vec<ListedVideo>>, AccountError> {
        let granted = repository::find(&self.db, open_id)
            .await?
            .is_some_and(|a| a.scopes.iter().any(|s| s == VIDEO_LIST_SCOPE));
        if !granted || !self.client.asks_for_video_list() {
            return Ok(None);
        }
        let token = self.access_token(open_id).await?;
        let mut result = self.client.list_videos(&token).await;
        if result
            .as_ref()
            .is_err_and(|e| e.kind == ErrorKind::AccessTokenInvalid)
        {
            let fresh = self.refresh(open_id, Some(token)).await?;
            result = self.client.list_videos(&fresh).await;
        }
        match result {
            Ok(videos) => Ok(Some(videos)),
            Err(e) if e.code == "scope_not_authorized" => {
                tracing::info!(
                    open_id,
                    "video.list is not granted; post ids will not be looked up"
                );
                repository::drop_scope(&self.db, open_id, VIDEO_LIST_SCOPE, self.now()).await?;
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A live access token, refreshed first when it expires within five minutes.
    pub async fn access_token(&self, open_id: &str) -> Result<String, AccountError> {
        let tokens = self.tokens(open_id).await?;
        if tokens.access_expires_at - self.now() > REFRESH_MARGIN_SECS {
            return Ok(tokens.access_token);
        }
        self.refresh(open_id, Some(tokens.access_token)).await
    }

    async fn tokens(&self, open_id: &str) -> Result<StoredTokens, AccountError> {
        match repository::load_tokens(&self.db, &self.sealer, open_id).await? {
            Some(t) => Ok(t),
            None => match repository::find(&self.db, open_id).await? {
                Some(a) if a.status == AccountStatus::NeedsReconnect => {
                    Err(AccountError::NeedsReconnect(a.status_reason))
                }
                _ => Err(AccountError::NotFound),
            },
        }
    }

    fn lock_for(&self, open_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(open_id.to_string()).or_default().clone()
    }

    /// Refreshes under the account's lock. `stale`: the access token the caller saw; if another
    /// caller has replaced it meanwhile, that fresh token is returned and TikTok is not asked again.
    pub async fn refresh(
        &self,
        open_id: &str,
        stale: Option<String>,
    ) -> Result<String, AccountError> {
        let lock = self.lock_for(open_id);
        let _guard = lock.lock().await;
        let tokens = self.tokens(open_id).await?;
        // Someone refreshed while we waited: their token is brand new, whatever its lifetime.
        if stale.is_some_and(|s| s != tokens.access_token) && tokens.access_expires_at > self.now()
        {
            return Ok(tokens.access_token);
        }
        // Without a lifetime from TikTok the refresh token is tried until TikTok refuses it.
        if tokens.refresh_expires_at.is_some_and(|t| t <= self.now()) {
            let reason = "TikTok's sign-in for this account expired after months without use.";
            repository::mark(
                &self.db,
                open_id,
                AccountStatus::NeedsReconnect,
                reason,
                self.now(),
            )
            .await?;
            return Err(AccountError::NeedsReconnect(reason.into()));
        }
        match self.client.refresh(&tokens.refresh_token, open_id).await {
            Ok(set) => {
                repository::store_refreshed(&self.db, &self.sealer, &set, self.now()).await?;
                tracing::info!(open_id, "TikTok access token refreshed");
                Ok(set.access_token)
            }
            Err(e) if e.is_retryable() => Err(e.into()),
            Err(e) => {
                tracing::warn!(open_id, error = %e, "TikTok refused to refresh; the account needs reconnecting");
                repository::mark(
                    &self.db,
                    open_id,
                    AccountStatus::NeedsReconnect,
                    &e.to_string(),
                    self.now(),
                )
                .await?;
                Err(AccountError::NeedsReconnect(e.to_string()))
            }
        }
    }

    /// Revokes at TikTok (best effort: the user may already have removed the app) and forgets the tokens.
    pub async fn disconnect(&self, open_id: &str) -> Result<(), AccountError> {
        let account = repository::find(&self.db, open_id)
            .await?
            .ok_or(AccountError::NotFound)?;
        if account.status == AccountStatus::Disconnected {
            return Err(AccountError::NotFound);
        }
        if let Ok(Some(tokens)) = repository::load_tokens(&self.db, &self.sealer, open_id).await
            && let Err(e) = self.client.revoke(&tokens.access_token).await
        {
            tracing::warn!(open_id, error = %e, "TikTok did not confirm the revoke; forgetting the tokens anyway");
        }
        repository::clear_tokens(&self.db, open_id, self.now()).await?;
        tracing::info!(open_id, "TikTok account disconnected");
        Ok(())
    }

    /// Refreshes every account whose token expires soon, so an idle account stays connected.
    pub async fn refresh_expiring(&self, within: Duration) -> Result<usize, AccountError> {
        let due = repository::expiring(&self.db, self.now() + within.as_secs() as i64).await?;
        let mut done = 0;
        for open_id in due {
            match self.refresh(&open_id, None).await {
                Ok(_) => done += 1,
                Err(e) => tracing::warn!(open_id, error = %e, "background token refresh failed"),
            }
        }
        Ok(done)
    }

    /// The background task: wakes every minute; refreshes tokens expiring in the next 15.
    pub async fn run_refresher(self) {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = self.refresh_expiring(Duration::from_secs(15 * 60)).await {
                tracing::warn!(error = %e, "background token refresh pass failed");
            }
        }
    }
}
