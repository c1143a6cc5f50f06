//! What TikTok's steps, checks and connector share: the client, the gateway every call for an
//! account goes through, the facts Cast learnt about the app, and where posts are seen.

use std::time::Duration;

use sqlx::SqlitePool;
use url::Url;

use super::auth::{TikTokAuth, endpoint};
use super::client::publish::PublishStatus;
use super::client::users::{CreatorInfo, UserInfo};
use super::client::videos::ListedVideo;
use super::client::{ErrorKind, TikTokClient, TikTokError, client::VIDEO_LIST_SCOPE};
use super::flags;
use crate::accounts::{AccountError, AccountKey, Accounts, Gateway, GatewayError};
use crate::links::Links;
use crate::platforms::{Event, PlatformId, Stop};

/// The longest any one call to TikTok may take through the gateway (the client's own bounds
/// are shorter; this one also covers a refresh before the call).
const CALL_BOUND: Duration = Duration::from_secs(90);

pub type TikTokGateway = Gateway<TikTokAuth>;
pub type CallFailure = GatewayError<TikTokError>;

/// TikTok's settings as its platform code uses them.
#[derive(Debug, Clone)]
pub struct TikTokSettings {
    /// The configured chunk size (`TIKTOK_CHUNK_SIZE`).
    pub chunk_size: u64,
    /// `https://www.tiktok.com`, or the sandbox's pages: where posts and profiles are linked.
    pub web_base: Url,
    /// The URL prefix verified in TikTok's portal (`TIKTOK_PULL_URL_PREFIX`): set, TikTok may
    /// pull videos from Cast's public links.
    pub pull_prefix: Option<String>,
    /// Every video by PULL_FROM_URL (`TIKTOK_PULL_ALWAYS`), not only as the chunking fallback.
    pub pull_always: bool,
}

#[derive(Clone)]
pub struct Context {
    pub client: TikTokClient,
    pub gateway: TikTokGateway,
    pub db: SqlitePool,
    pub settings: TikTokSettings,
    /// Public links, for PULL_FROM_URL; None when Cast serves none.
    pub links: Option<Links>,
}

impl Context {
    pub fn new(
        client: TikTokClient,
        accounts: Accounts,
        db: SqlitePool,
        settings: TikTokSettings,
    ) -> Self {
        let gateway = Gateway::new(
            accounts,
            TikTokAuth {
                client: client.clone(),
            },
            CALL_BOUND,
        );
        Self {
            client,
            gateway,
            db,
            settings,
            links: None,
        }
    }

    /// The links TikTok pulls videos from.
    pub fn with_links(mut self, links: Links) -> Self {
        self.links = Some(links);
        self
    }

    pub fn accounts(&self) -> &Accounts {
        self.gateway.accounts()
    }

    pub fn key(&self, open_id: &str) -> AccountKey {
        AccountKey::new(PlatformId::TikTok, open_id)
    }

    /// Creator info, fetched fresh (TikTok requires it each time the posting screen opens and
    /// before each post), through the gateway like every call.
    pub async fn creator_info(&self, open_id: &str) -> Result<CreatorInfo, CallFailure> {
        let client = &self.client;
        self.gateway
            .call(open_id, endpoint::CREATOR_INFO, |t| async move {
                client.creator_info(&t).await
            })
            .await
    }

    pub async fn user_info(&self, open_id: &str) -> Result<UserInfo, CallFailure> {
        let client = &self.client;
        self.gateway
            .call(open_id, endpoint::USER_INFO, |t| async move {
                client.user_info(&t).await
            })
            .await
    }

    pub async fn fetch_status(
        &self,
        open_id: &str,
        publish_id: &str,
    ) -> Result<PublishStatus, CallFailure> {
        let client = &self.client;
        self.gateway
            .call(open_id, endpoint::STATUS, |t| async move {
                client.fetch_status(&t, publish_id).await
            })
            .await
    }

    /// The creator's public videos, when the account granted `video.list` (§7.1). None when it
    /// did not; a `scope_not_authorized` answer (the owner unticked it) turns the lookup off for
    /// this account instead of marking the whole account for reconnecting.
    pub async fn listed_videos(
        &self,
        open_id: &str,
    ) -> Result<Option<Vec<ListedVideo>>, CallFailure> {
        let key = self.key(open_id);
        let granted = self
            .accounts()
            .find(&key)
            .await?
            .is_some_and(|a| a.scopes.iter().any(|s| s == VIDEO_LIST_SCOPE));
        if !granted || !self.client.asks_for_video_list() {
            return Ok(None);
        }
        let client = &self.client;
        let listed = self
            .gateway
            .call(open_id, endpoint::VIDEO_LIST, |t| async move {
                client.list_videos(&t).await
            })
            .await;
        match listed {
            Ok(videos) => Ok(Some(videos)),
            Err(GatewayError::Platform(e)) if e.code == "scope_not_authorized" => {
                tracing::info!(
                    open_id,
                    "video.list is not granted; post ids will not be looked up"
                );
                self.accounts().drop_scope(&key, VIDEO_LIST_SCOPE).await?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    pub async fn is_unaudited(&self) -> Result<bool, sqlx::Error> {
        flags::is_unaudited(&self.db, self.client.client_key()).await
    }

    pub async fn remember_unaudited(&self, now: i64) {
        if let Err(e) = flags::remember_unaudited(&self.db, self.client.client_key(), now).await {
            tracing::warn!(error = %e, "could not remember that the TikTok app is unaudited");
        }
    }

    /// The creator's profile on TikTok (or the sandbox's page of it).
    pub fn profile_url(&self, username: &str) -> String {
        format!(
            "{}/@{username}",
            self.settings.web_base.as_str().trim_end_matches('/')
        )
    }

    /// A post on TikTok; ids are digit strings (`client::post_id`), safe in a path.
    pub fn video_url(&self, username: &str, post_id: &str) -> String {
        format!("{}/video/{post_id}", self.profile_url(username))
    }

    pub async fn username(&self, open_id: &str) -> String {
        self.accounts()
            .find(&self.key(open_id))
            .await
            .ok()
            .flatten()
            .map(|a| a.username)
            .unwrap_or_default()
    }
}

/// What a failed call means for the target it was made for (before commit; once committed,
/// `follow` waits out whatever happens). `now`: the app clock, for a rate limit's wait.
pub fn stop(e: CallFailure, now: i64) -> Stop {
    match e {
        GatewayError::Wait(d) => Stop::Event(Event::Pause {
            until: now + d.as_secs_f64().ceil() as i64,
        }),
        GatewayError::TimedOut(d) => Stop::Event(Event::trouble(
            "timeout",
            format!("TikTok did not answer within {} s.", d.as_secs()),
        )),
        GatewayError::Platform(t) => Stop::Event(event_for(&t)),
        GatewayError::Account(a) => Stop::Event(account_event(a)),
    }
}

/// TikTok's refusal as an event: trouble when trying again can help, a refusal when not.
pub fn event_for(t: &TikTokError) -> Event {
    match t.kind {
        ErrorKind::Retryable | ErrorKind::AccessTokenInvalid => Event::Trouble {
            code: t.code.clone(),
            message: t.to_string(),
            retry_after: t.retry_after,
        },
        _ => Event::refused(&t.code, t.to_string()),
    }
}

pub fn account_event(e: AccountError) -> Event {
    match e {
        AccountError::NeedsReconnect(_) => Event::refused("needs_reconnect", e.to_string()),
        AccountError::NotFound(_) | AccountError::NoAccount(_) | AccountError::Ambiguous(_) => {
            Event::refused(
                "account_gone",
                "This TikTok account is no longer connected. Connect it again, then retry.",
            )
        }
        AccountError::Platform { code, message, .. } => Event::trouble(&code, message),
        other => Event::trouble(
            "internal",
            format!("Cast could not read the account: {other}"),
        ),
    }
}
