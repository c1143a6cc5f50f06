//! YouTube as the account gateway sees it: how a channel's tokens are refreshed (Google OAuth,
//! contract 2.2) and which of its answers mean what (contract 1, 11).

use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::SqlitePool;

use super::client::YouTubeClient;
use super::error::{ErrorKind, YouTubeError};
use super::grants;
use crate::accounts::{CallError, CallKind, TokenPair, TokenSource};
use crate::platforms::PlatformId;

/// The gateway's names for YouTube's calls. None is rate limited per minute by Cast: YouTube's
/// limits are daily quotas, which its answers report (contract 8).
pub mod endpoint {
    pub const INIT: &str = "init";
    pub const CHUNK: &str = "chunk";
    pub const VIDEOS: &str = "videos";
    pub const THUMBNAIL: &str = "thumbnail";
}

impl CallError for YouTubeError {
    fn kind(&self) -> CallKind {
        match self.kind {
            ErrorKind::Retryable { .. } => CallKind::Retryable,
            ErrorKind::AccessTokenRejected => CallKind::InvalidToken,
            ErrorKind::Reconnect(_) => CallKind::Reconnect,
            _ => CallKind::Other,
        }
    }
}

/// Milliseconds from now to an instant, as the accounts table's lifetime.
pub fn lifetime(now_ms: i64, at_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(at_ms.saturating_sub(now_ms)).unwrap_or(0))
}

pub struct YouTubeAuth {
    pub client: YouTubeClient,
    pub db: SqlitePool,
}

impl TokenSource for YouTubeAuth {
    type Error = YouTubeError;

    fn platform(&self) -> PlatformId {
        PlatformId::YouTube
    }

    fn refresh<'a>(
        &'a self,
        refresh_token: &'a str,
        account_id: &'a str,
    ) -> BoxFuture<'a, Result<TokenPair, YouTubeError>> {
        Box::pin(async move {
            // The grant's announced end, so an `invalid_grant` after it is explained as the
            // Testing expiry rather than a revocation. Unreadable: the plainer explanation.
            let ends = grants::refresh_expiry(&self.db, account_id)
                .await
                .ok()
                .flatten();
            let r = self.client.refresh(refresh_token, ends).await?;
            let now = self.client.now_ms();
            Ok(TokenPair {
                access_token: r.access_token.expose().to_string(),
                expires_in: lifetime(now, r.access_expires_at_ms),
                refresh_token: r
                    .new_refresh_token
                    .map(|t| t.expose().to_string())
                    .unwrap_or_else(|| refresh_token.to_string()),
                // Kept in `youtube_grants`: the gateway tries the refresh token until Google
                // refuses it, and that refusal is what explains itself.
                refresh_expires_in: None,
                scopes: r.scopes,
            })
        })
    }

    fn per_minute(&self, _endpoint: &'static str) -> Option<usize> {
        None
    }
}
