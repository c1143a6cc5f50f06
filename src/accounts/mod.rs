//! Connected TikTok accounts: stored with sealed tokens, refreshed before they expire.

pub mod oauth_state;
pub mod repository;
pub mod service;

use serde::Serialize;

pub use service::Accounts;

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
    pub open_id: String,
    pub username: String,
    pub display_name: String,
    pub avatar_url: String,
    pub status: AccountStatus,
    pub status_reason: String,
    pub scopes: Vec<String>,
    pub connected_at: i64,
}

/// Scopes Cast needs to post; a user may untick some on TikTok's consent page.
pub const REQUIRED_SCOPES: [&str; 3] = ["user.info.basic", "video.upload", "video.publish"];

impl Account {
    pub fn missing_scopes(&self) -> Vec<&'static str> {
        REQUIRED_SCOPES
            .into_iter()
            .filter(|s| !self.scopes.iter().any(|g| g == s))
            .collect()
    }

    pub fn handle(&self) -> String {
        if self.username.is_empty() {
            self.display_name.clone()
        } else {
            format!("@{}", self.username)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("No connected TikTok account has that id.")]
    NotFound,
    #[error("Connect a TikTok account first.")]
    NoAccount,
    #[error("Several TikTok accounts are connected: say which one with open_id.")]
    Ambiguous,
    #[error("This TikTok account needs to be connected again: {0}")]
    NeedsReconnect(String),
    #[error(transparent)]
    TikTok(#[from] crate::platforms::tiktok::client::TikTokError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("stored tokens cannot be opened: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}
