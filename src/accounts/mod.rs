//! Connected accounts, whatever their platform: each is (platform, account id) with its profile,
//! its sealed tokens and their expiries, and its status. OAuth attempts (state and PKCE verifier)
//! are kept here until the platform sends the owner back. Every call a platform makes for an
//! account goes through that platform's `gateway`.

pub mod connect;
pub mod gateway;
pub mod limiter;
mod oauth_outcome;
pub mod oauth_state;
pub mod repository;
mod service;

use serde::Serialize;

use crate::platforms::PlatformId;

pub use connect::Connections;
pub use gateway::{CallError, CallKind, Gateway, GatewayError, TokenSource};
pub use service::Accounts;

/// Which account: one platform's id for it (TikTok's `open_id`, a YouTube channel).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountKey {
    pub platform: PlatformId,
    pub id: String,
}

impl AccountKey {
    pub fn new(platform: PlatformId, id: impl Into<String>) -> Self {
        Self {
            platform,
            id: id.into(),
        }
    }
}

impl std::fmt::Display for AccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.platform, self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    NeedsReconnect,
    Disconnected,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::NeedsReconnect => "needs_reconnect",
            Self::Disconnected => "disconnected",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "active" => Self::Active,
            "needs_reconnect" => Self::NeedsReconnect,
            _ => Self::Disconnected,
        }
    }
}

/// An account as the dashboard and the API show it: no tokens.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub platform: PlatformId,
    pub account_id: String,
    pub username: String,
    pub display_name: String,
    pub avatar_url: String,
    pub status: AccountStatus,
    pub status_reason: String,
    pub scopes: Vec<String>,
    /// Scopes the platform needs for posting that this account did not grant.
    pub missing_scopes: Vec<String>,
    pub connected_at: i64,
}

impl Account {
    pub fn key(&self) -> AccountKey {
        AccountKey::new(self.platform, self.account_id.clone())
    }

    pub fn handle(&self) -> String {
        if self.username.is_empty() {
            self.display_name.clone()
        } else {
            format!("@{}", self.username)
        }
    }

    /// What the posting screen and the history call it: "@name on TikTok".
    pub fn label(&self) -> String {
        format!("{} on {}", self.handle(), self.platform.name())
    }
}

/// A fresh pair of tokens, as a platform's token endpoint gives them.
#[derive(Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub expires_in: std::time::Duration,
    pub refresh_token: String,
    /// None when the platform did not say: the refresh token is kept until it is refused.
    pub refresh_expires_in: Option<std::time::Duration>,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// A fresh connection, as a platform's connector hands it over to be stored.
pub struct NewConnection {
    pub key: AccountKey,
    pub tokens: TokenPair,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("No connected {} account has that id.", .0.name())]
    NotFound(PlatformId),
    #[error("Connect a {} account first.", .0.name())]
    NoAccount(PlatformId),
    #[error("Several {} accounts are connected: say which one with open_id.", .0.name())]
    Ambiguous(PlatformId),
    #[error("This account needs to be connected again: {0}")]
    NeedsReconnect(String),
    /// The platform refused or failed; `message` is for a person, `code` the platform's.
    #[error("{message}")]
    Platform {
        code: String,
        message: String,
        retryable: bool,
    },
    /// The sign-in came back without a state this login started (or too late).
    #[error("{error} Start again from Connect {}.", .platform.name())]
    State {
        platform: PlatformId,
        error: oauth_state::StateError,
    },
    /// The owner said no on the platform's consent page.
    #[error("You did not allow Cast to use your {} account, so nothing was connected. Press Connect {} to try again.", .0.name(), .0.name())]
    Denied(PlatformId),
    /// The platform sent the owner back with an error of its own.
    #[error("{} did not connect the account ({error}).{} Press Connect {} to try again.", .platform.name(), .description.as_deref().map(|d| format!(" {} says: \"{d}\"", .platform.name())).unwrap_or_default(), .platform.name())]
    Refused {
        platform: PlatformId,
        error: String,
        description: Option<String>,
    },
    #[error("{} came back without an authorization code. Start again from Connect {}.", .0.name(), .0.name())]
    MissingCode(PlatformId),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("stored tokens cannot be opened: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}

impl AccountError {
    pub fn platform(code: impl Into<String>, message: impl Into<String>, retryable: bool) -> Self {
        Self::Platform {
            code: code.into(),
            message: message.into(),
            retryable,
        }
    }
}
