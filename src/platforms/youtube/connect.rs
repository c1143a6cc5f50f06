//! How a YouTube channel connects (Google OAuth for web servers with PKCE, contract 2 and 11):
//! the consent page, the code exchanged with the attempt's verifier, the channel read
//! (`channels.list mine=true`), the sealed tokens stored; and how it disconnects (revoked at
//! Google, which ends every token of the grant).

use futures_util::future::BoxFuture;

use super::auth::lifetime;
use super::error::YouTubeError;
use super::grants;
use super::oauth::{Grant, SCOPE_READONLY, SCOPES};
use super::platform::YouTube;
use crate::accounts::repository;
use crate::accounts::{Account, AccountError, AccountStatus, NewConnection, TokenPair};
use crate::platforms::{Authorization, Connector, PlatformId};

/// Scopes Cast needs; the owner may untick some on Google's page (granular consent).
pub const REQUIRED_SCOPES: [&str; 2] = SCOPES;

fn platform_error(e: YouTubeError) -> AccountError {
    tracing::warn!(reason = %e.reason, status = ?e.http_status, "Google refused: {}", e.message);
    // Nothing retries a sign-in by itself: the owner presses Connect YouTube again.
    let message = if e.is_retryable() {
        format!(
            "Google could not finish connecting the channel just now ({}). Press Connect YouTube to try again.",
            e.reason
        )
    } else {
        e.to_string()
    };
    AccountError::platform(e.reason.clone(), message, e.is_retryable())
}

/// "9 Dec 2026, 03:00 UTC".
fn when(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%-d %b %Y, %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// What the card says at once when Google announced the end of the grant (contract 2.3, 2.5).
pub fn testing_note(expires_at_ms: i64) -> String {
    format!(
        "Google will end this connection on {}: your Google Cloud consent screen is in Testing, where connections last 7 days. In Google Cloud Console open Google Auth Platform → Audience and press \"Publish app\" (no verification is needed for personal use), then connect the channel again.",
        when(expires_at_ms)
    )
}

impl YouTube {
    async fn store(&self, grant: &Grant) -> Result<Account, AccountError> {
        let client = &self.cx.client;
        let token = grant.access_token.expose();
        let channel = match client.channel(token).await {
            Ok(c) => c,
            Err(e) => {
                // Nothing is kept, so nothing should stay granted at Google either.
                let _ = client.revoke(grant.refresh_token.expose()).await;
                return Err(platform_error(e));
            }
        };
        let key = self.cx.key(&channel.id);
        let now_ms = client.now_ms();
        let accounts = self.cx.accounts();
        accounts
            .store_connected(&NewConnection {
                key: key.clone(),
                tokens: TokenPair {
                    access_token: token.to_string(),
                    expires_in: lifetime(now_ms, grant.access_expires_at_ms),
                    refresh_token: grant.refresh_token.expose().to_string(),
                    refresh_expires_in: None,
                    scopes: grant.scopes.clone(),
                },
            })
            .await?;
        let now = now_ms.div_euclid(1000);
        grants::store(&self.cx.db, &channel.id, grant.refresh_expires_at_ms, now).await?;
        let handle = channel
            .handle
            .as_deref()
            .map(|h| h.trim_start_matches('@'))
            .filter(|h| !h.is_empty());
        accounts
            .update_profile(
                &key,
                handle,
                &channel.title,
                channel.avatar_url.as_deref().unwrap_or(""),
            )
            .await?;
        if let Some(at) = grant.refresh_expires_at_ms {
            repository::mark(
                &self.cx.db,
                &key,
                AccountStatus::Active,
                &testing_note(at),
                now,
            )
            .await?;
        }
        accounts
            .find(&key)
            .await?
            .ok_or(AccountError::NotFound(PlatformId::YouTube))
    }
}

impl Connector for YouTube {
    fn authorize(&self, state: &str) -> Result<Authorization, AccountError> {
        let auth = self
            .cx
            .client
            .authorize_url(state)
            .map_err(platform_error)?;
        Ok(Authorization {
            url: auth.url,
            verifier: auth.pkce_verifier.expose().to_string(),
        })
    }

    fn finish<'a>(
        &'a self,
        code: &'a str,
        verifier: &'a str,
    ) -> BoxFuture<'a, Result<Account, AccountError>> {
        Box::pin(async move {
            let grant = self
                .cx
                .client
                .exchange_code(code, verifier)
                .await
                .map_err(platform_error)?;
            // Without the read scope Cast cannot even tell which channel this is.
            if !grant.scopes.iter().any(|s| s == SCOPE_READONLY) {
                let _ = self.cx.client.revoke(grant.refresh_token.expose()).await;
                return Err(platform_error(super::oauth::missing_scopes_error(
                    grant.missing_scopes(),
                )));
            }
            self.store(&grant).await
        })
    }

    fn disconnect<'a>(&'a self, account_id: &'a str) -> BoxFuture<'a, Result<(), AccountError>> {
        Box::pin(async move {
            let key = self.cx.key(account_id);
            // The refresh token: revoking it ends every token of the grant (contract 2.4).
            if let Ok(tokens) = self.cx.accounts().tokens(&key).await
                && let Err(e) = self.cx.client.revoke(&tokens.refresh_token).await
            {
                tracing::warn!(account_id, error = %e, "Google did not confirm the revoke; forgetting the tokens anyway");
            }
            grants::forget(&self.cx.db, account_id).await?;
            self.cx.accounts().forget_tokens(&key).await
        })
    }
}
