//! Connecting an account, whatever its platform: start (a state and PKCE verifier kept on the
//! server, the platform's consent page), and finish when the platform sends the owner back
//! (the state consumed once, then the platform's connector exchanges the code).

use super::oauth_state::{self, Attempt};
use super::{Account, AccountError, AccountKey, Accounts};
use crate::platforms::{PlatformId, Platforms};

#[derive(Clone)]
pub struct Connections {
    accounts: Accounts,
    platforms: Platforms,
}

/// Where to send the owner, and the state the platform will send back.
pub struct Started {
    pub url: String,
    pub state: String,
}

/// What the platform sent the owner back with (the callback's query, or a script's JSON).
#[derive(Debug, Default)]
pub struct Answer {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl Connections {
    pub fn new(accounts: Accounts, platforms: Platforms) -> Self {
        Self {
            accounts,
            platforms,
        }
    }

    fn connector(
        &self,
        platform: PlatformId,
    ) -> Result<&dyn crate::platforms::Connector, AccountError> {
        self.platforms
            .get(platform)
            .map(|p| p.connector())
            .ok_or(AccountError::NotFound(platform))
    }

    /// Starts a sign-in for this login (`binding`: its session id, or "api" for scripts).
    pub async fn start(
        &self,
        platform: PlatformId,
        binding: &str,
    ) -> Result<Started, AccountError> {
        let state = oauth_state::new_state();
        let auth = self.connector(platform)?.authorize(&state)?;
        self.accounts
            .keep_attempt(&Attempt {
                platform,
                binding,
                state: &state,
                verifier: &auth.verifier,
            })
            .await?;
        Ok(Started {
            url: auth.url,
            state,
        })
    }

    /// Finishes a sign-in: the state must be one this login started (it is used up whatever
    /// follows), then the code is exchanged with that attempt's verifier.
    pub async fn finish(
        &self,
        platform: PlatformId,
        binding: &str,
        answer: Answer,
    ) -> Result<Account, AccountError> {
        // Instagram's cancel comes back without the state (contract 2.2, Unsure 2): a refusal
        // stores nothing, so it can be told as one without an attempt to match.
        if answer.state.as_deref().is_none_or(str::is_empty)
            && answer.error.as_deref() == Some("access_denied")
        {
            return Err(AccountError::Denied(platform));
        }
        let state = answer.state.clone().unwrap_or_default();
        let verifier = match self
            .accounts
            .take_attempt(platform, answer.state.as_deref(), binding)
            .await?
        {
            Ok(verifier) => verifier,
            Err(error) => return self.repeated(platform, &state, binding, error).await,
        };
        if let Some(error) = answer.error.filter(|e| !e.is_empty()) {
            return Err(if error == "access_denied" {
                AccountError::Denied(platform)
            } else {
                AccountError::Refused {
                    platform,
                    error,
                    description: answer.error_description.filter(|d| !d.is_empty()),
                }
            });
        }
        let code = answer
            .code
            .filter(|c| !c.is_empty())
            .ok_or(AccountError::MissingCode(platform))?;
        let account = self.connector(platform)?.finish(&code, &verifier).await?;
        if let Err(e) = self
            .accounts
            .remember_outcome(&account, &state, binding)
            .await
        {
            // Only a repeated callback needs it, and that one would just ask to start again.
            tracing::warn!(error = %e, "could not remember which account a sign-in connected");
        }
        Ok(account)
    }

    /// A state that is no longer waiting: when this login already used it to connect an account
    /// (the platform sent the owner back twice), that connect is the answer; the code is never
    /// exchanged again and nothing is undone. Otherwise the sign-in is refused.
    async fn repeated(
        &self,
        platform: PlatformId,
        state: &str,
        binding: &str,
        error: oauth_state::StateError,
    ) -> Result<Account, AccountError> {
        // Only Instagram is known to send the owner back twice (contract 2.2); elsewhere a used
        // state stays a refusal, as TikTok's and Google's contracts ask.
        if platform == PlatformId::Instagram
            && !state.is_empty()
            && let Some(account) = self.accounts.connected_by(platform, state, binding).await?
        {
            tracing::info!(
                "{} sent the owner back twice with one sign-in; showing the first connect",
                platform.name()
            );
            return Ok(account);
        }
        // The owner debugging a connect needs this line; the state never goes in it.
        tracing::warn!(
            code = error.code(),
            "{} sign-in refused: its state does not match this login",
            platform.name()
        );
        Err(AccountError::State { platform, error })
    }

    /// Revokes Cast's access at the platform (best effort) and forgets the tokens.
    pub async fn disconnect(&self, key: &AccountKey) -> Result<Account, AccountError> {
        let account = self
            .accounts
            .find(key)
            .await?
            .filter(|a| a.status != super::AccountStatus::Disconnected)
            .ok_or(AccountError::NotFound(key.platform))?;
        self.connector(key.platform)?.disconnect(&key.id).await?;
        Ok(account)
    }
}
