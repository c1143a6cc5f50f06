//! The one way a platform is called for an account. Every call (the posting screen's creator
//! info, the checks at submit, the worker's init and polls) goes through the platform's gateway,
//! which:
//! - takes a slot of the platform's per-account rate limit for the endpoint, or says how long
//!   to wait (so the platform's limits hold whoever asks);
//! - hands the call a live access token, refreshing it first when it expires soon (one refresh
//!   per account at a time: platforms rotate refresh tokens and kill the old one at once; the
//!   new pair is stored before it is used);
//! - bounds the call in time;
//! - on an invalid-token answer refreshes once and retries once;
//! - on an answer that says the sign-in is gone, marks the account for reconnecting.
//!
//! It is generic over the platform through `TokenSource` (how to refresh) and `CallError` (what
//! kind of failure an answer is).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::limiter::RateLimiter;
use super::{AccountError, AccountKey, Accounts};
use crate::platforms::PlatformId;

/// An access token this close to expiry is refreshed before use.
const REFRESH_MARGIN_SECS: i64 = 5 * 60;

/// What a platform's failure means for the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// 429, 5xx, network: the caller tries again later.
    Retryable,
    /// The access token was refused: refresh once and retry once.
    InvalidToken,
    /// The sign-in is gone (refresh token dead, access removed): the owner must reconnect.
    Reconnect,
    /// Anything else: the caller decides.
    Other,
}

pub trait CallError: std::fmt::Display + Send + Sync + 'static {
    fn kind(&self) -> CallKind;
}

/// A fresh pair of tokens, as a platform's token endpoint gives them.
#[derive(Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub expires_in: Duration,
    pub refresh_token: String,
    /// None when the platform did not say: the refresh token is kept until it is refused.
    pub refresh_expires_in: Option<Duration>,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// How a platform refreshes an account's tokens, and its per-account rate limits.
pub trait TokenSource: Send + Sync + 'static {
    type Error: CallError;

    fn platform(&self) -> PlatformId;

    fn refresh<'a>(
        &'a self,
        refresh_token: &'a str,
        account_id: &'a str,
    ) -> BoxFuture<'a, Result<TokenPair, Self::Error>>;

    /// Calls a minute allowed per account for `endpoint`; None: not limited.
    fn per_minute(&self, endpoint: &'static str) -> Option<usize>;
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError<E: std::fmt::Display> {
    /// The endpoint's rate limit: a slot frees up after this long. Not a failure.
    #[error("the platform's rate limit: wait {0:?}")]
    Wait(Duration),
    #[error("{0}")]
    Platform(E),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("the platform did not answer within {} s", .0.as_secs())]
    TimedOut(Duration),
}

pub struct Gateway<S: TokenSource> {
    inner: Arc<Inner<S>>,
}

impl<S: TokenSource> Clone for Gateway<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<S> {
    accounts: Accounts,
    source: S,
    limiter: RateLimiter,
    /// The longest any one call may take, whatever the client's own timeouts say.
    timeout: Duration,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl<S: TokenSource> Gateway<S> {
    pub fn new(accounts: Accounts, source: S, timeout: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                accounts,
                source,
                limiter: RateLimiter::default(),
                timeout,
                locks: Mutex::default(),
            }),
        }
    }

    pub fn accounts(&self) -> &Accounts {
        &self.inner.accounts
    }

    pub fn source(&self) -> &S {
        &self.inner.source
    }

    fn key(&self, account_id: &str) -> AccountKey {
        AccountKey::new(self.inner.source.platform(), account_id)
    }

    fn now(&self) -> i64 {
        self.inner.accounts.clock().now()
    }

    /// Takes a rate-limit slot of `endpoint` without calling (for calls that carry no token,
    /// such as a chunk sent to an upload URL, when the platform limits them).
    pub fn admit(&self, account_id: &str, endpoint: &'static str) -> Result<(), Duration> {
        match self.inner.source.per_minute(endpoint) {
            None => Ok(()),
            Some(n) => self.inner.limiter.acquire(
                account_id,
                endpoint,
                n,
                self.inner.accounts.clock().now_ms(),
            ),
        }
    }

    /// Calls the platform for `account_id` (see the module's comment).
    pub async fn call<T, F, Fut>(
        &self,
        account_id: &str,
        endpoint: &'static str,
        call: F,
    ) -> Result<T, GatewayError<S::Error>>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, S::Error>>,
    {
        self.admit(account_id, endpoint)
            .map_err(GatewayError::Wait)?;
        self.call_admitted(account_id, call).await
    }

    /// `call` for a caller that already took the endpoint's slot (`admit`): it had something
    /// to record between the two (TikTok's init marker).
    pub async fn call_admitted<T, F, Fut>(
        &self,
        account_id: &str,
        call: F,
    ) -> Result<T, GatewayError<S::Error>>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, S::Error>>,
    {
        let token = self.access_token(account_id).await?;
        match self.bounded(call(token.clone())).await? {
            Err(e) if e.kind() == CallKind::InvalidToken => {
                tracing::info!(
                    account_id,
                    "the platform refused the access token; refreshing once"
                );
                let fresh = self.refresh(account_id, Some(token)).await?;
                match self.bounded(call(fresh)).await? {
                    Err(e) => Err(self.judge(account_id, e).await),
                    Ok(v) => Ok(v),
                }
            }
            Err(e) => Err(self.judge(account_id, e).await),
            Ok(v) => Ok(v),
        }
    }

    async fn bounded<T>(&self, call: impl Future<Output = T>) -> Result<T, GatewayError<S::Error>> {
        tokio::time::timeout(self.inner.timeout, call)
            .await
            .map_err(|_| GatewayError::TimedOut(self.inner.timeout))
    }

    /// A refusal that ends the sign-in marks the account; the error goes back to the caller.
    async fn judge(&self, account_id: &str, e: S::Error) -> GatewayError<S::Error> {
        if e.kind() == CallKind::Reconnect
            && let Err(mark) = self
                .inner
                .accounts
                .mark_needs_reconnect(&self.key(account_id), &e.to_string())
                .await
        {
            return GatewayError::Account(mark);
        }
        GatewayError::Platform(e)
    }

    /// A live access token, refreshed first when it expires within five minutes.
    pub async fn access_token(&self, account_id: &str) -> Result<String, GatewayError<S::Error>> {
        let tokens = self.inner.accounts.tokens(&self.key(account_id)).await?;
        if tokens.access_expires_at - self.now() > REFRESH_MARGIN_SECS {
            return Ok(tokens.access_token);
        }
        self.refresh(account_id, Some(tokens.access_token)).await
    }

    fn lock_for(&self, account_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.inner.locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(account_id.to_string()).or_default().clone()
    }

    /// Refreshes under the account's lock. `stale`: the access token the caller saw; if another
    /// caller replaced it meanwhile, that fresh token is returned and the platform is not asked.
    pub async fn refresh(
        &self,
        account_id: &str,
        stale: Option<String>,
    ) -> Result<String, GatewayError<S::Error>> {
        let key = self.key(account_id);
        let lock = self.lock_for(account_id);
        let _guard = lock.lock().await;
        let accounts = &self.inner.accounts;
        let tokens = accounts.tokens(&key).await?;
        // Someone refreshed while we waited: their token is brand new, whatever its lifetime.
        if stale.is_some_and(|s| s != tokens.access_token) && tokens.access_expires_at > self.now()
        {
            return Ok(tokens.access_token);
        }
        // Without a lifetime from the platform the refresh token is tried until it is refused.
        if tokens.refresh_expires_at.is_some_and(|t| t <= self.now()) {
            let reason = format!(
                "{}'s sign-in for this account expired after months without use.",
                key.platform.name()
            );
            accounts.mark_needs_reconnect(&key, &reason).await?;
            return Err(AccountError::NeedsReconnect(reason).into());
        }
        let refreshed = self
            .bounded(self.inner.source.refresh(&tokens.refresh_token, account_id))
            .await?;
        match refreshed {
            Ok(pair) => {
                accounts.store_refreshed(&key, &pair).await?;
                tracing::info!(account = %key, "access token refreshed");
                Ok(pair.access_token)
            }
            Err(e) if e.kind() == CallKind::Retryable => Err(GatewayError::Platform(e)),
            Err(e) => {
                tracing::warn!(account = %key, error = %e, "the platform refused to refresh; the account needs reconnecting");
                accounts.mark_needs_reconnect(&key, &e.to_string()).await?;
                Err(AccountError::NeedsReconnect(e.to_string()).into())
            }
        }
    }

    /// Refreshes every account of this platform whose token expires soon, so an idle account
    /// stays connected.
    pub async fn refresh_expiring(&self, within: Duration) -> Result<usize, AccountError> {
        let platform = self.inner.source.platform();
        let due = self
            .inner
            .accounts
            .expiring(platform, self.now() + within.as_secs() as i64)
            .await?;
        let mut done = 0;
        for account_id in due {
            match self.refresh(&account_id, None).await {
                Ok(_) => done += 1,
                Err(e) => {
                    tracing::warn!(%platform, account_id, error = %e, "background token refresh failed")
                }
            }
        }
        Ok(done)
    }
}

/// A gateway whatever its platform, for the background refresher.
pub trait Refresh: Send + Sync {
    fn refresh_expiring(&self, within: Duration) -> BoxFuture<'_, Result<usize, AccountError>>;
}

impl<S: TokenSource> Refresh for Gateway<S> {
    fn refresh_expiring(&self, within: Duration) -> BoxFuture<'_, Result<usize, AccountError>> {
        Box::pin(Gateway::refresh_expiring(self, within))
    }
}

/// The background task: wakes every minute; refreshes tokens expiring in the next 15.
pub async fn run_refresher(gateways: Vec<Arc<dyn Refresh>>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        for gateway in &gateways {
            if let Err(e) = gateway.refresh_expiring(Duration::from_secs(15 * 60)).await {
                tracing::warn!(error = %e, "background token refresh pass failed");
            }
        }
    }
}
