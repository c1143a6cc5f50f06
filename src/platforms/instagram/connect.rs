//! How an Instagram account connects (Business Login, contract 2, 3 and 12): the consent page
//! with a server-side single-use state (no PKCE: the flow documents none), then code →
//! short-lived token → long-lived token → `/me` → the account type checked → stored. Ids stay
//! text throughout. Disconnect forgets the token: Instagram Login has no revoke endpoint (2.6).

use futures_util::future::BoxFuture;

use super::auth::token_pair;
use super::error::InstagramError;
use super::platform::Instagram;
use super::profiles;
use crate::accounts::repository;
use crate::accounts::{Account, AccountError, AccountStatus, NewConnection};
use crate::platforms::{Authorization, Connector, PlatformId};

/// What the owner reads after disconnecting (there is no revoke endpoint to call).
pub const DISCONNECT_NOTE: &str = "Cast forgot the account's sign-in. You can also remove Cast in the Instagram app: Settings > Website permissions > Apps and websites.";

/// Kept beside the state in place of a PKCE verifier.
const NO_PKCE: &str = "no-pkce";

fn platform_error(e: InstagramError) -> AccountError {
    tracing::warn!(
        code = ?e.code,
        subcode = ?e.subcode,
        fbtrace_id = e.fbtrace_id.as_deref().unwrap_or(""),
        "Instagram sign-in failed: {}",
        e.message
    );
    let code = e.reason.unwrap_or("instagram_refused");
    let retryable = e.kind == super::error::ErrorKind::Retry;
    let message = if retryable {
        format!(
            "Instagram could not finish connecting the account just now ({e}). Press Connect Instagram to try again."
        )
    } else {
        e.to_string()
    };
    AccountError::platform(code, message, retryable)
}

/// The card's note: what kind of account it is.
pub fn type_note(label: &str) -> String {
    format!("Instagram {label} account.")
}

impl Connector for Instagram {
    fn authorize(&self, state: &str) -> Result<Authorization, AccountError> {
        let url = self
            .cx
            .client
            .authorize_url(state)
            .map_err(platform_error)?;
        // Instagram documents no PKCE; the attempt still needs a verifier to be kept (an empty
        // one reads as an attempt from before verifiers), so it keeps a marker it never sends.
        Ok(Authorization {
            url,
            verifier: NO_PKCE.to_string(),
        })
    }

    fn finish<'a>(
        &'a self,
        code: &'a str,
        _verifier: &'a str,
    ) -> BoxFuture<'a, Result<Account, AccountError>> {
        Box::pin(async move {
            let client = &self.cx.client;
            let short = client.exchange_code(code).await.map_err(platform_error)?;
            // The short-lived token lives an hour: only the long-lived one is ever stored.
            let long = client
                .long_lived_token(&short.access_token)
                .await
                .map_err(platform_error)?;
            let me = client
                .me(&long.access_token)
                .await
                .map_err(platform_error)?;
            me.ensure_professional().map_err(platform_error)?;
            let key = self.cx.key(&me.user_id);
            let accounts = self.cx.accounts();
            accounts
                .store_connected(&NewConnection {
                    key: key.clone(),
                    tokens: token_pair(&long),
                })
                .await?;
            let name = me.name.as_deref().unwrap_or(&me.username);
            accounts
                .update_profile(
                    &key,
                    Some(&me.username),
                    name,
                    me.profile_picture_url.as_deref().unwrap_or(""),
                )
                .await?;
            let now_ms = accounts.clock().now_ms();
            let now = now_ms.div_euclid(1000);
            let label = me.account_type.label();
            profiles::store(&self.cx.db, &me.user_id, label, now_ms, now).await?;
            repository::mark(
                &self.cx.db,
                &key,
                AccountStatus::Active,
                &type_note(label),
                now,
            )
            .await?;
            tracing::info!(user_id = %me.user_id, account_type = label, "Instagram account connected");
            accounts
                .find(&key)
                .await?
                .ok_or(AccountError::NotFound(PlatformId::Instagram))
        })
    }

    fn disconnect<'a>(&'a self, account_id: &'a str) -> BoxFuture<'a, Result<(), AccountError>> {
        Box::pin(async move {
            profiles::forget(&self.cx.db, account_id).await?;
            self.cx
                .accounts()
                .forget_tokens(&self.cx.key(account_id))
                .await
        })
    }
}
