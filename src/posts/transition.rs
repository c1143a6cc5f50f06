//! One event applied to one target: through the state machine, written by the repository's one
//! guarded write, and followed by what a new state brings (the owner told of a final or waiting
//! state, a video no target needs any more deleted). The worker's recorder and the owner's
//! actions both come through here.

use super::PostError;
use super::core::Core;
use super::model::{Post, Target};
use super::repository;
use super::state::{self, NotAllowed, TargetState};
use crate::notify::{Event as Notice, EventKind, Target as NoticeTarget};
use crate::platforms::Event;

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error(transparent)]
    NotAllowed(#[from] NotAllowed),
    /// The target changed between reading it and writing (the owner cancelled it, say).
    #[error("the target changed meanwhile")]
    Gone,
    #[error(transparent)]
    Store(#[from] PostError),
}

/// Applies `event` to `target` (as last read), returning the target as it now is.
pub async fn apply(
    core: &Core,
    post: &Post,
    target: &Target,
    event: &Event,
) -> Result<Target, TransitionError> {
    let now = core.now();
    let size = post.size.max(0) as u64;
    let change = state::apply(&target.facts(size), event, now)?;
    let updated = repository::apply(&core.db, &target.id, &change, now)
        .await?
        .ok_or(TransitionError::Gone)?;
    if updated.state != target.state {
        tracing::info!(
            target_id = %updated.id,
            from = target.state.as_str(),
            to = updated.state.as_str(),
            event = event.name(),
            "target moved"
        );
        after(core, post, &updated).await;
    }
    Ok(updated)
}

/// What a target's new state brings beside itself.
async fn after(core: &Core, post: &Post, t: &Target) {
    match t.state {
        TargetState::Published | TargetState::InInbox
            if core.settings.spool_retention.is_zero() =>
        {
            core.release_video(&post.id, &post.file_path).await;
        }
        TargetState::Cancelled => core.release_video(&post.id, &post.file_path).await,
        _ => {}
    }
    notify(core, t).await;
}

/// Tells the owner how a target ended (or that it waits for a platform's cap). A failing
/// notifier never fails or delays a post: the outbox row is all that is written here.
async fn notify(core: &Core, t: &Target) {
    let (kind, key, message, url) = match t.state {
        TargetState::Published => (
            EventKind::PostPublished,
            format!("{}:published", t.id),
            format!("Published on {}.", t.platform.name()),
            t.result_url.clone(),
        ),
        TargetState::InInbox => (
            EventKind::PostInInbox,
            format!("{}:in_inbox", t.id),
            t.note.clone().unwrap_or_else(|| {
                format!(
                    "The video is in your {} inbox: open the app to finish the post.",
                    t.platform.name()
                )
            }),
            Some(core.post_url(&t.post_id)),
        ),
        // Each failure after a Retry is its own story.
        TargetState::Failed => (
            EventKind::PostFailed,
            format!("{}:failed:{}", t.id, t.finished_at.unwrap_or_default()),
            t.last_error.clone().unwrap_or_else(|| "It failed.".into()),
            Some(core.post_url(&t.post_id)),
        ),
        TargetState::Waiting => (
            EventKind::PostWaiting,
            format!("{}:waiting:{}", t.id, t.waiting_until.unwrap_or_default()),
            t.last_error
                .clone()
                .unwrap_or_else(|| "Waiting for the platform's limit.".into()),
            Some(core.post_url(&t.post_id)),
        ),
        _ => return,
    };
    let account = core
        .accounts
        .find(&crate::accounts::AccountKey::new(t.platform, &t.account_id))
        .await
        .ok()
        .flatten()
        .map(|a| a.handle())
        .unwrap_or_else(|| t.account_id.clone());
    let mut notice = Notice::new(kind, key, message);
    notice.post_id = Some(t.post_id.clone());
    notice.target = Some(NoticeTarget {
        id: Some(t.id.clone()),
        platform: t.platform.as_str().to_string(),
        account,
        state: Some(t.state.as_str().to_string()),
    });
    notice.url = url;
    if let Err(e) = core.notifier.notify(notice).await {
        tracing::warn!(target_id = %t.id, error = %e, "could not queue the notification");
    }
}
