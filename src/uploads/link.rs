//! A published public post whose id TikTok has not given yet (contract §7): asked for slowly,
//! for at most a day, then Cast stops and links to the creator's profile. With
//! `TIKTOK_LOOKUP_POST_IDS` on, the video list may bring it sooner (§7.1).
//!
//! The post is published whatever happens here: nothing in this step is a failure.

use super::backoff::{self, link_delay};
use super::limiter::Endpoint;
use super::worker::StepError;
use super::{Job, Uploads, poll, repository};
use crate::platforms::tiktok::client::videos::match_by_caption;

pub(super) async fn follow(up: &Uploads, job: &Job) -> Result<(), StepError> {
    let now = up.clock.now();
    let Some(until) = job.link_wait_until else {
        return Ok(());
    };
    if now >= until {
        tracing::info!("TikTok never gave the post id; linking to the profile instead");
        repository::end_link_wait(&up.db, &job.id, &[], None, now).await?;
        return Ok(());
    }
    if let Some((ids, source)) = find(up, job).await? {
        tracing::info!(post_ids = ?ids, source, "TikTok gave the post id");
        repository::end_link_wait(&up.db, &job.id, &ids, Some(source), up.clock.now()).await?;
        return Ok(());
    }
    let next = now + backoff::secs_ceil(link_delay(job.polls));
    repository::wait_for_link(&up.db, &job.id, next.min(until), up.clock.now()).await?;
    Ok(())
}

/// Status fetch first, then the video list. Trouble with either is only logged: the next slow
/// poll asks again.
async fn find(up: &Uploads, job: &Job) -> Result<Option<(Vec<String>, &'static str)>, StepError> {
    let Some(publish_id) = job.publish_id.as_deref() else {
        return Ok(None);
    };
    if up
        .limiter
        .acquire(&job.open_id, Endpoint::Status, up.clock.now_ms())
        .is_ok()
    {
        match poll::fetch(up, &job.open_id, publish_id).await {
            Ok(status) if !status.post_ids.is_empty() => {
                return Ok(Some((status.post_ids, "status")));
            }
            Ok(_) => {}
            Err(e) => tracing::info!(error = %e, "asking TikTok for the post id failed"),
        }
    }
    if up
        .limiter
        .acquire(&job.open_id, Endpoint::VideoList, up.clock.now_ms())
        .is_err()
    {
        return Ok(None);
    }
    let videos = match up.accounts.listed_videos(&job.open_id).await {
        Ok(Some(videos)) => videos,
        Ok(None) => return Ok(None),
        Err(e) => {
            tracing::info!(error = %e, "reading the video list failed");
            return Ok(None);
        }
    };
    let taken = repository::taken_post_ids(&up.db, &job.open_id, &job.id).await?;
    let initiated_at = job.initiated_at.unwrap_or(job.created_at);
    Ok(
        match_by_caption(&videos, job.options.title.as_str(), initiated_at, &taken)
            .map(|v| (vec![v.id.clone()], "caption")),
    )
}
