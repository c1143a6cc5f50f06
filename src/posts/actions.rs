//! Looking at posts, and the owner's actions on one target: cancel, retry (Check again once
//! committed) and the explicit Send again. Each goes through the state machine like any event.

use super::core::Core;
use super::error::PostError;
use super::model::{Post, PostView, Target};
use super::repository;
use super::transition::{self, TransitionError};
use crate::platforms::Event;

pub async fn post(core: &Core, id: &str) -> Result<(Post, Vec<Target>), PostError> {
    let post = repository::find_post(&core.db, id)
        .await?
        .ok_or(PostError::NotFound)?;
    let targets = repository::targets_of(&core.db, id).await?;
    Ok((post, targets))
}

pub async fn view(core: &Core, id: &str) -> Result<PostView, PostError> {
    let (post, targets) = post(core, id).await?;
    let images = super::images::of_post(&core.db, &post.id).await?;
    Ok(PostView::new(&post, &targets).with_images(&images))
}

fn unknown_cursor(before: &str, what: &str) -> PostError {
    PostError::UnknownCursor(format!(
        "before='{}' names no {what}: pass the `next_before` of the previous page, or leave it out for the newest.",
        before.chars().take(64).collect::<String>()
    ))
}

/// Newest first, `limit` at a time; `before` is the id of the last post of the previous page.
pub async fn list(
    core: &Core,
    limit: u32,
    before: Option<&str>,
) -> Result<Vec<PostView>, PostError> {
    let cursor = match before {
        None => None,
        Some(b) => Some(
            repository::post_seq(&core.db, b)
                .await?
                .ok_or_else(|| unknown_cursor(b, "post"))?,
        ),
    };
    let limit = limit.clamp(1, 100);
    let posts = repository::list_posts(&core.db, limit, cursor).await?;
    let targets = repository::targets_of_page(&core.db, limit, cursor).await?;
    Ok(posts
        .iter()
        .map(|p| {
            let mine: Vec<Target> = targets
                .iter()
                .filter(|t| t.post_id == p.id)
                .cloned()
                .collect();
            PostView::new(p, &mine)
        })
        .collect())
}

/// Targets newest first, whatever their post (the `/api/uploads` listing).
pub async fn list_targets(
    core: &Core,
    limit: u32,
    before: Option<&str>,
) -> Result<Vec<(Post, Target)>, PostError> {
    let cursor = match before {
        None => None,
        Some(b) => Some(
            repository::target_seq(&core.db, b)
                .await?
                .ok_or_else(|| unknown_cursor(b, "upload"))?,
        ),
    };
    let targets = repository::list_targets(&core.db, limit.clamp(1, 100), cursor).await?;
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        if let Some(p) = repository::find_post(&core.db, &t.post_id).await? {
            out.push((p, t));
        }
    }
    Ok(out)
}

/// One target by its own id, with its post.
pub async fn target(core: &Core, target_id: &str) -> Result<(Post, Target), PostError> {
    let t = repository::find_target(&core.db, target_id)
        .await?
        .ok_or(PostError::NotFound)?;
    let p = repository::find_post(&core.db, &t.post_id)
        .await?
        .ok_or(PostError::NotFound)?;
    Ok((p, t))
}

/// The owner's action on a target of a post (`post_id` None: any post, the `/api/uploads` alias).
pub async fn act(
    core: &Core,
    post_id: Option<&str>,
    target_id: &str,
    event: Event,
) -> Result<(Post, Target), PostError> {
    let (post, target) = target(core, target_id).await?;
    if post_id.is_some_and(|p| p != post.id) {
        return Err(PostError::NotFound);
    }
    let resends = matches!(event, Event::Retry | Event::SendAgain);
    if resends && post.check_state == "failed" {
        // The worker never takes a post whose video failed its check: a retry would wait forever.
        return Err(PostError::Conflict {
            code: "video_failed_check",
            message: "This video did not pass the check, so nothing was posted. Fix the video and post it again.".into(),
        });
    }
    if resends && !target.committed && !video_kept(&post).await
        || matches!(event, Event::SendAgain) && !video_kept(&post).await
    {
        return Err(PostError::Conflict {
            code: "file_gone",
            message: "The video is no longer on the server. Upload it again.".into(),
        });
    }
    let updated = match transition::apply(core, &post, &target, &event).await {
        Ok(t) => t,
        Err(TransitionError::NotAllowed(e)) => {
            return Err(PostError::Conflict {
                code: e.code,
                message: e.message,
            });
        }
        Err(TransitionError::Gone) => {
            return Err(PostError::Conflict {
                code: "changed",
                message: "This target changed meanwhile; reload it.".into(),
            });
        }
        Err(TransitionError::Store(e)) => return Err(e),
    };
    if matches!(event, Event::Cancel) {
        revoke_links(core, target_id).await;
    }
    tracing::info!(
        target_id,
        action = event.name(),
        state = updated.state.as_str(),
        "owner action"
    );
    core.wake.notify_one();
    Ok((post, updated))
}

/// A cancelled target's links answer 404 from now on (Instagram contract 11): a platform still
/// fetching gets nothing more, and a link seen by anyone else is dead.
async fn revoke_links(core: &Core, target_id: &str) {
    if let Err(e) = core
        .links
        .revoke_job(target_id, crate::links::RevokeReason::Cancelled)
        .await
    {
        tracing::warn!(target_id, error = %e, "could not revoke a cancelled target's links");
    }
}

async fn video_kept(post: &Post) -> bool {
    post.spool_deleted == 0
        && tokio::fs::try_exists(&post.file_path)
            .await
            .unwrap_or(false)
}
