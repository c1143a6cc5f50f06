//! What TikTok's webhooks do to Cast (contract §14, "What Cast does"), through the publishing
//! core's normal path: each becomes an event of the state machine, applied by `Posts::hear` to
//! the target TikTok knows by its `publish_id`, or the account marked as needing reconnection.
//!
//! Polling stays the record. `complete` and `inbox_delivered` only make the target due now, so
//! the worker's next step fetches the status and applies it as any poll would; `failed` records
//! the failure its reason names, exactly as a polled FAILED would; `publicly_available` gives the
//! post id, which a published target awaiting its link takes at once, and a target still
//! processing keeps for when the status says it is up. States only move forward, so a
//! duplicate, late or reordered event changes nothing.

use std::sync::Arc;

use anyhow::Context as _;

use super::effects::{PublishEvent, RemovalReason, WebhookEffects};
use crate::accounts::{AccountKey, Accounts};
use crate::platforms::tiktok::TikTok;
use crate::platforms::tiktok::fail_reason::{self, Media};
use crate::platforms::tiktok::notes::Notes;
use crate::platforms::{Event, PlatformId};
use crate::posts::{Heard, Posts, TargetState};

/// Shown on a target once TikTok says its post stopped being public (contract §14).
pub const NO_LONGER_PUBLIC: &str = "TikTok says this post is no longer public: it was made private or taken down on TikTok. Its link is kept; only people it is shared with can see it.";

/// The core's side of TikTok's webhooks.
pub struct CoreEffects {
    posts: Posts,
    accounts: Accounts,
    tiktok: Arc<TikTok>,
}

impl CoreEffects {
    pub fn new(posts: Posts, accounts: Accounts, tiktok: Arc<TikTok>) -> Self {
        Self {
            posts,
            accounts,
            tiktok,
        }
    }

    /// Applies `event` to the target, saying what came of it; an event for a target Cast is
    /// still sending is kept for later (`Err`), since TikTok cannot have finished it yet as far
    /// as Cast knows.
    async fn hear(&self, publish_id: &str, event: &Event) -> anyhow::Result<()> {
        let heard = self
            .posts
            .hear(PlatformId::TikTok, publish_id, event)
            .await
            .context("cannot apply the TikTok webhook to its post")?;
        match heard {
            Heard::NotOurs => {
                tracing::info!(%publish_id, "TikTok webhook for an upload Cast did not make; ignored");
                Ok(())
            }
            Heard::Applied(state) => {
                tracing::info!(%publish_id, event = event.name(), state = state.as_str(), "TikTok webhook applied");
                Ok(())
            }
            Heard::NotNow(state) if state.is_final() || state == TargetState::Processing => {
                tracing::info!(%publish_id, event = event.name(), state = state.as_str(), "TikTok webhook changes nothing: Cast knew already");
                Ok(())
            }
            Heard::NotNow(state) => anyhow::bail!(
                "the target is still {} at Cast: the event is applied once TikTok has the whole video",
                state.as_str()
            ),
        }
    }

    /// `failed`: recorded only for a target Cast follows (TikTok has the whole video), as the
    /// poll would have recorded it; a target still being sent takes it later.
    async fn failed(&self, publish_id: &str, reason: Option<&str>) -> anyhow::Result<()> {
        let target = self
            .posts
            .target_by_remote(PlatformId::TikTok, publish_id)
            .await
            .context("cannot look up the TikTok webhook's post")?;
        match target.as_ref().map(|t| t.state) {
            Some(TargetState::Processing) => {
                let photos = match &target {
                    Some(t) => self.posts.is_photo_post(&t.post_id).await?,
                    None => false,
                };
                let media = if photos { Media::Photos } else { Media::Video };
                self.hear(publish_id, &fail_reason::failed(reason, media))
                    .await
            }
            Some(state) if !state.is_final() => anyhow::bail!(
                "the target is still {} at Cast: the failure is applied once TikTok has the whole video",
                state.as_str()
            ),
            _ => self.hear(publish_id, &Event::Nudge).await,
        }
    }

    /// `publicly_available` with its post id.
    async fn post_id_given(&self, publish_id: &str, post_id: &str) -> anyhow::Result<()> {
        let target = self
            .posts
            .target_by_remote(PlatformId::TikTok, publish_id)
            .await
            .context("cannot look up the TikTok webhook's post")?;
        let Some(target) = target else {
            return self.hear(publish_id, &Event::Nudge).await;
        };
        let mut notes = Notes::from_value(&target.progress);
        match target.state {
            TargetState::Published if target.link_pending_until.is_some() => {
                notes.post_id_source = Some("webhook".into());
                self.hear(publish_id, &Event::Progress(notes.to_value()))
                    .await?;
                let username = self.tiktok.cx.username(&target.account_id).await;
                let url = self.tiktok.cx.video_url(&username, post_id);
                self.hear(
                    publish_id,
                    &Event::LinkArrived {
                        url: Some(url),
                        post_id: Some(post_id.to_string()),
                    },
                )
                .await
            }
            TargetState::Processing => {
                // Newest first is how TikTok may deliver: the id is kept for the status that
                // says the post is up, and that status is asked for now.
                notes.webhook_post_id = Some(post_id.to_string());
                self.hear(publish_id, &Event::Progress(notes.to_value()))
                    .await?;
                self.hear(publish_id, &Event::Nudge).await
            }
            _ => self.hear(publish_id, &Event::Nudge).await,
        }
    }
}

impl WebhookEffects for CoreEffects {
    async fn publish_event(&self, publish_id: &str, event: PublishEvent) -> anyhow::Result<()> {
        match event {
            PublishEvent::Complete | PublishEvent::InboxDelivered => {
                self.hear(publish_id, &Event::Nudge).await
            }
            // The reason is TikTok's `fail_reason`: the same words and the same consequences
            // (`internal` starts over by itself) as a polled FAILED.
            PublishEvent::Failed { reason } => self.failed(publish_id, reason.as_deref()).await,
            PublishEvent::PubliclyAvailable { post_id: Some(id) } => {
                self.post_id_given(publish_id, &id).await
            }
            PublishEvent::PubliclyAvailable { post_id: None } => {
                self.hear(publish_id, &Event::Nudge).await
            }
            // Cast keeps the id and the link; the target says the post is no longer public.
            PublishEvent::NoLongerPublic { .. } => {
                tracing::info!(%publish_id, "TikTok says the post is no longer public");
                let note = NO_LONGER_PUBLIC.to_string();
                self.hear(publish_id, &Event::NoLongerPublic { note }).await
            }
        }
    }

    async fn authorization_removed(
        &self,
        open_id: &str,
        reason: RemovalReason,
    ) -> anyhow::Result<()> {
        let key = AccountKey::new(PlatformId::TikTok, open_id);
        let known = self
            .accounts
            .find(&key)
            .await
            .context("cannot look up the account TikTok removed")?;
        if known.is_none() {
            tracing::info!(%open_id, "TikTok removed access to an account Cast does not know");
            return Ok(());
        }
        let why = format!(
            "TikTok access was removed ({}): reconnect the account.",
            reason.describe()
        );
        self.accounts
            .mark_needs_reconnect(&key, &why)
            .await
            .context("cannot mark the account as needing reconnection")?;
        tracing::info!(%open_id, reason = reason.code(), "TikTok removed Cast's access; the account needs reconnecting");
        Ok(())
    }
}
