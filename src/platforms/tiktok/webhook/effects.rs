//! What a TikTok webhook means for Cast, as the interface the core implements: the processor
//! hands each stored event, once, to a `WebhookEffects`. Events are hints, not the record
//! (contract §14, "What Cast does"): an implementation fetches the status as a poll would, moves
//! states only forward, and so a late or repeated event changes nothing.

use std::future::Future;

/// A `post.publish.*` event, by the `publish_id` in its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishEvent {
    /// `post.publish.failed`; `reason` is a `fail_reason` (contract §7), when TikTok gave one.
    Failed { reason: Option<String> },
    /// `post.publish.complete`: posted (for an inbox upload, the creator posted it, maybe several times).
    Complete,
    /// `post.publish.inbox_delivered`: the draft is in the creator's inbox.
    InboxDelivered,
    /// `post.publish.publicly_available`: public now; the post id (digits) when TikTok sent a readable one.
    PubliclyAvailable { post_id: Option<String> },
    /// `post.publish.no_longer_publicaly_available`, in either spelling: keep the id, mark it not public.
    NoLongerPublic { post_id: Option<String> },
}

impl PublishEvent {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Failed { .. } => "failed",
            Self::Complete => "complete",
            Self::InboxDelivered => "inbox_delivered",
            Self::PubliclyAvailable { .. } => "publicly_available",
            Self::NoLongerPublic { .. } => "no_longer_public",
        }
    }
}

/// `authorization.removed`'s `reason` (contract §14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalReason {
    Unknown,
    /// 1: the creator disconnected the app in TikTok.
    UserDisconnected,
    /// 2
    AccountDeleted,
    /// 3
    AgeChanged,
    /// 4
    AccountBanned,
    /// 5: the developer (Cast itself, on Disconnect) revoked access.
    DeveloperRevoked,
    /// A code TikTok has not documented.
    Other(i64),
}

impl RemovalReason {
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => Self::Unknown,
            1 => Self::UserDisconnected,
            2 => Self::AccountDeleted,
            3 => Self::AgeChanged,
            4 => Self::AccountBanned,
            5 => Self::DeveloperRevoked,
            n => Self::Other(n),
        }
    }

    pub fn code(self) -> i64 {
        match self {
            Self::Unknown => 0,
            Self::UserDisconnected => 1,
            Self::AccountDeleted => 2,
            Self::AgeChanged => 3,
            Self::AccountBanned => 4,
            Self::DeveloperRevoked => 5,
            Self::Other(n) => n,
        }
    }

    /// For the owner: why TikTok says access ended.
    pub fn describe(self) -> &'static str {
        match self {
            Self::UserDisconnected => "the account removed Cast's access in TikTok",
            Self::AccountDeleted => "the TikTok account was deleted",
            Self::AgeChanged => "the TikTok account's age changed",
            Self::AccountBanned => "the TikTok account was banned",
            Self::DeveloperRevoked => "Cast's access was revoked",
            Self::Unknown | Self::Other(_) => "TikTok did not say why",
        }
    }
}

/// Applying events. Implemented by the core; an `Err` leaves the event stored and unprocessed,
/// and the processor tries it again later with backoff (so an implementation must be idempotent,
/// which it is anyway: TikTok delivers at least once).
pub trait WebhookEffects: Send + Sync + 'static {
    /// A `post.publish.*` event for the upload TikTok knows as `publish_id`, which may be one
    /// Cast never made (another app of the same developer, or a stale one): then do nothing.
    fn publish_event(
        &self,
        publish_id: &str,
        event: PublishEvent,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// `authorization.removed`: TikTok has already revoked the account's tokens.
    fn authorization_removed(
        &self,
        open_id: &str,
        reason: RemovalReason,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}
