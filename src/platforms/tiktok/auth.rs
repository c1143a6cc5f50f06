//! TikTok as the account gateway sees it: how its tokens are refreshed, which of its answers
//! mean what (contract §11), and its per-user rate limits (contract §1).

use futures_util::future::BoxFuture;

use super::client::oauth::TokenSet;
use super::client::{ErrorKind, TikTokClient, TikTokError};
use crate::accounts::{CallError, CallKind, TokenPair, TokenSource};
use crate::platforms::PlatformId;

/// The gateway's names for TikTok's endpoints, with their limits per user and minute.
pub mod endpoint {
    pub const CREATOR_INFO: &str = "creator_info";
    pub const USER_INFO: &str = "user_info";
    pub const INIT: &str = "init";
    pub const STATUS: &str = "status";
    pub const VIDEO_LIST: &str = "video_list";
}

impl CallError for TikTokError {
    fn kind(&self) -> CallKind {
        match self.kind {
            ErrorKind::Retryable => CallKind::Retryable,
            ErrorKind::AccessTokenInvalid => CallKind::InvalidToken,
            ErrorKind::Reconnect => CallKind::Reconnect,
            _ => CallKind::Other,
        }
    }
}

pub fn pair(set: TokenSet) -> TokenPair {
    TokenPair {
        access_token: set.access_token,
        expires_in: set.expires_in,
        refresh_token: set.refresh_token,
        refresh_expires_in: set.refresh_expires_in,
        scopes: set.scopes,
    }
}

pub struct TikTokAuth {
    pub client: TikTokClient,
}

impl TokenSource for TikTokAuth {
    type Error = TikTokError;

    fn platform(&self) -> PlatformId {
        PlatformId::TikTok
    }

    fn refresh<'a>(
        &'a self,
        refresh_token: &'a str,
        account_id: &'a str,
    ) -> BoxFuture<'a, Result<TokenPair, TikTokError>> {
        Box::pin(async move { Ok(pair(self.client.refresh(refresh_token, account_id).await?)) })
    }

    fn per_minute(&self, name: &'static str) -> Option<usize> {
        match name {
            endpoint::CREATOR_INFO => Some(20),
            endpoint::INIT => Some(6),
            endpoint::STATUS => Some(30),
            endpoint::VIDEO_LIST | endpoint::USER_INFO => Some(600),
            _ => None,
        }
    }
}
