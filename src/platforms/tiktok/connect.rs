//! How a TikTok account connects (Login Kit with PKCE, contract §2): the consent page, the code
//! exchanged with the attempt's verifier, the sealed tokens stored, the profile filled in; and
//! how it disconnects (revoked at TikTok, best effort).

use futures_util::future::BoxFuture;

use super::auth::pair;
use super::client::TikTokError;
use super::client::pkce::Verifier;
use super::platform::TikTok;
use crate::accounts::{Account, AccountError, NewConnection};
use crate::platforms::{Authorization, Connector};

/// Scopes Cast needs to post; the owner may untick some on TikTok's consent page.
pub const REQUIRED_SCOPES: [&str; 3] = ["user.info.basic", "video.upload", "video.publish"];

fn platform_error(e: TikTokError) -> AccountError {
    tracing::warn!(code = %e.code, log_id = ?e.log_id, status = ?e.http_status, "TikTok refused: {}", e.message);
    AccountError::platform(e.code.clone(), e.to_string(), e.is_retryable())
}

impl TikTok {
    /// Name and avatar from user info; the @username from creator info (Cast does not ask for the
    /// profile scope). A failure here leaves the connection in place with what is known.
    async fn refresh_profile(&self, open_id: &str) {
        let user = self.cx.user_info(open_id).await;
        let creator = self.cx.creator_info(open_id).await;
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
        let stored = self
            .cx
            .accounts()
            .update_profile(&self.cx.key(open_id), username, &display_name, &avatar)
            .await;
        if let Err(e) = stored {
            tracing::warn!(open_id, error = %e, "could not store the TikTok profile");
        }
    }
}

impl Connector for TikTok {
    fn authorize(&self, state: &str) -> Result<Authorization, AccountError> {
        let verifier = Verifier::random();
        let url = self
            .cx
            .client
            .authorize_url(state, &verifier)
            .map_err(platform_error)?;
        Ok(Authorization {
            url,
            verifier: verifier.secret().to_string(),
        })
    }

    fn finish<'a>(
        &'a self,
        code: &'a str,
        verifier: &'a str,
    ) -> BoxFuture<'a, Result<Account, AccountError>> {
        Box::pin(async move {
            let verifier = Verifier::parse(verifier).ok_or(AccountError::State {
                platform: crate::platforms::PlatformId::TikTok,
                error: crate::accounts::oauth_state::StateError::Unknown,
            })?;
            let tokens = self
                .cx
                .client
                .exchange_code(code, &verifier)
                .await
                .map_err(platform_error)?;
            let key = self.cx.key(&tokens.open_id);
            self.cx
                .accounts()
                .store_connected(&NewConnection {
                    key: key.clone(),
                    tokens: pair(tokens),
                })
                .await?;
            self.refresh_profile(&key.id).await;
            self.cx
                .accounts()
                .find(&key)
                .await?
                .ok_or(AccountError::NotFound(key.platform))
        })
    }

    fn disconnect<'a>(&'a self, account_id: &'a str) -> BoxFuture<'a, Result<(), AccountError>> {
        Box::pin(async move {
            let key = self.cx.key(account_id);
            if let Ok(tokens) = self.cx.accounts().tokens(&key).await
                && let Err(e) = self.cx.client.revoke(&tokens.access_token).await
            {
                tracing::warn!(account_id, error = %e, "TikTok did not confirm the revoke; forgetting the tokens anyway");
            }
            self.cx.accounts().forget_tokens(&key).await
        })
    }
}
