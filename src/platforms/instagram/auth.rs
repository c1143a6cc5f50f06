//! Instagram as the account gateway sees it (contract 2.5): the long-lived token is its own
//! refresh credential, refreshable once 24 hours old and until it expires. The gateway keeps
//! refreshes single-flight per account and stores the new token before anyone uses it.

use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::SqlitePool;

use super::client::{InstagramClient, SCOPES};
use super::error::{ErrorKind, InstagramError};
use super::oauth::{LongLivedToken, REFRESH_AFTER, REFRESH_MIN_AGE};
use super::profiles;
use crate::accounts::{CallError, CallKind, TokenPair, TokenSource};
use crate::clock::Clock;
use crate::config::Secret;
use crate::platforms::PlatformId;

/// The gateway's names for Instagram's calls. None is limited per minute by Cast: Meta's
/// budget is per 24 hours and its answers say when it is spent (contract 1).
pub mod endpoint {
    pub const LIMIT: &str = "content_publishing_limit";
    pub const CREATE: &str = "media";
    pub const STATUS: &str = "status";
    pub const PUBLISH: &str = "media_publish";
}

impl CallError for InstagramError {
    fn kind(&self) -> CallKind {
        match self.kind {
            ErrorKind::Retry => CallKind::Retryable,
            // A 190 is worth one refresh (the gateway's retry) while the token is refreshable.
            ErrorKind::Reconnect if self.token_rejected() => CallKind::InvalidToken,
            ErrorKind::Reconnect => CallKind::Reconnect,
            _ => CallKind::Other,
        }
    }
}

/// The token as the accounts table keeps it. The long-lived token is both the access and the
/// refresh credential. Its "access" lifetime is when Cast wants it refreshed: 7 days after it
/// was issued (never before the 24 hours Instagram requires), or its real end if sooner. Past
/// its real end Instagram refuses the refresh (190) and the account needs reconnecting.
pub fn token_pair(token: &LongLivedToken) -> TokenPair {
    let lives = token.expires_in;
    let refresh_at = if lives > REFRESH_AFTER {
        REFRESH_AFTER
    } else {
        // Shorter than a week: refresh an hour before the end, but not before Instagram allows.
        lives
            .saturating_sub(Duration::from_secs(3600))
            .max(REFRESH_MIN_AGE)
            .min(lives)
    };
    TokenPair {
        access_token: token.access_token.expose().to_string(),
        expires_in: refresh_at,
        refresh_token: token.access_token.expose().to_string(),
        // Instagram's own refusal of a dead token says why better than Cast's guess would.
        refresh_expires_in: None,
        scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
    }
}

pub struct InstagramAuth {
    pub client: InstagramClient,
    pub db: SqlitePool,
    pub clock: Clock,
}

impl TokenSource for InstagramAuth {
    type Error = InstagramError;

    fn platform(&self) -> PlatformId {
        PlatformId::Instagram
    }

    fn refresh<'a>(
        &'a self,
        refresh_token: &'a str,
        account_id: &'a str,
    ) -> BoxFuture<'a, Result<TokenPair, InstagramError>> {
        Box::pin(async move {
            let fresh = self
                .client
                .refresh_token(&Secret::new(refresh_token))
                .await?;
            // Only bookkeeping for the card and doctor: the token itself is stored by the gateway.
            if let Err(e) = profiles::refreshed(&self.db, account_id, self.clock.now_ms()).await {
                tracing::warn!(error = %e, "instagram: cannot note the refresh time");
            }
            Ok(token_pair(&fresh))
        })
    }

    fn per_minute(&self, _endpoint: &'static str) -> Option<usize> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(secs: u64) -> LongLivedToken {
        LongLivedToken {
            access_token: Secret::new("IGAAx"),
            token_type: "bearer".into(),
            expires_in: Duration::from_secs(secs),
        }
    }

    #[test]
    fn a_sixty_day_token_is_renewed_after_a_week() {
        let p = token_pair(&token(5_184_000));
        assert_eq!(p.expires_in, REFRESH_AFTER);
        assert_eq!(p.refresh_expires_in, None, "Instagram says when it is dead");
        assert_eq!(p.access_token, p.refresh_token);
    }

    #[test]
    fn a_short_token_is_never_renewed_before_instagram_allows() {
        assert_eq!(token(3 * 86_400).pipe_refresh(), 3 * 86_400 - 3600);
        assert_eq!(token(90_000).pipe_refresh(), 86_400);
        assert_eq!(token(3600).pipe_refresh(), 3600, "never past its end");
    }

    trait Pipe {
        fn pipe_refresh(&self) -> u64;
    }
    impl Pipe for LongLivedToken {
        fn pipe_refresh(&self) -> u64 {
            token_pair(self).expires_in.as_secs()
        }
    }
}
