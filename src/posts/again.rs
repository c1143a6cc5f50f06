//! Posting a post's video again to more accounts (another platform, or another account of
//! one): the same parsing and checks as intake, with the post's existing targets counted, and
//! the new targets stored only while the video is still kept for them.

use super::core::Core;
use super::error::PostError;
use super::intake::{self, PostRequest};
use super::model::PostView;
use super::repository;
use crate::platforms::PlatformId;

/// Said when the video was cleaned up: nothing can be sent without the file.
pub const VIDEO_GONE: &str =
    "The video is no longer kept on this server; post it again from the posting screen.";

fn video_gone() -> PostError {
    PostError::Conflict {
        code: "video_gone",
        message: VIDEO_GONE.into(),
    }
}

/// Adds `request`'s targets to the post, queued now (or scheduled for its `publish_at`); the
/// existing targets are left as they are. Every problem of every new target at once, with
/// indexes into `request.targets`; nothing is stored on any refusal.
pub async fn add_targets(
    core: &Core,
    post_id: &str,
    request: &PostRequest,
) -> Result<PostView, PostError> {
    let post = repository::find_post(&core.db, post_id)
        .await?
        .ok_or(PostError::NotFound)?;
    if post.spool_deleted != 0 || !file_exists(&post.file_path).await {
        return Err(video_gone());
    }
    if !super::images::of_post(&core.db, post_id).await?.is_empty() {
        // The checks below judge a video; a carousel's targets are all given at once for now.
        return Err(PostError::rejected(
            "photo_post",
            "This is a photo post: its targets are given when it is made. Post the images again with every target you want.",
        ));
    }
    let existing: Vec<(PlatformId, String)> = repository::targets_of(&core.db, post_id)
        .await?
        .into_iter()
        .map(|t| (t.platform, t.account_id))
        .collect();
    let now = core.now();
    let (parsed, publish_at) = intake::parse_beside(core, request, &existing, now)
        .await
        .map_err(PostError::Rejected)?;
    let path = std::path::PathBuf::from(&post.file_path);
    let info = intake::probe(post_id, &path, post.size.max(0) as u64).await?;
    let targets = intake::check_all(core, &parsed, &info, None)
        .await
        .map_err(PostError::Rejected)?;
    let mut tx = core.db.begin().await?;
    // The hold comes first: from here the cleanup cannot take the file away, and a file that
    // went before it is refused here rather than failing later on a platform.
    if !repository::hold_video(&mut tx, post_id, now).await? || !file_exists(&post.file_path).await
    {
        return Err(video_gone());
    }
    let first = repository::next_position(&mut tx, post_id).await?;
    repository::insert_targets(&mut tx, post_id, first, &targets, publish_at, now).await?;
    tx.commit().await?;
    let platforms: Vec<&str> = targets.iter().map(|t| t.platform.as_str()).collect();
    tracing::info!(post_id, targets = ?platforms, "post sent to more accounts");
    core.wake.notify_one();
    let stored = repository::targets_of(&core.db, post_id).await?;
    Ok(PostView::new(&post, &stored))
}

async fn file_exists(path: &str) -> bool {
    tokio::fs::try_exists(path).await.unwrap_or(false)
}
