//! Following TikTok's processing (contract §7): one status fetch per step until a final state
//! or the bound for posts that never leave processing (§11); then, for a published public post
//! whose id TikTok has not given yet, asking for it slowly for at most a day (§7.1: with
//! `TIKTOK_LOOKUP_POST_IDS` on, the video list may bring it sooner).
//!
//! The target is committed here (TikTok acknowledged the whole file), so nothing that goes
//! wrong while asking is a failure before the bound: TikTok may publish the video whatever Cast
//! hears. Every trouble is recorded as `Trouble`, which the state machine waits out.

use std::time::Duration;

use super::client::privacy::PrivacyLevel;
use super::client::publish::Status;
use super::client::videos::match_by_caption;
use super::context::{CallFailure, Context};
use super::fail_reason::{Media, failed};
use super::notes::Notes;
use super::options::{PostMode, TikTokOptions};
use super::webhook::heard_recently;
use crate::accounts::GatewayError;
use crate::links::RevokeReason;
use crate::platforms::{Event, Outcome, Recorder, StepResult, Stop, TargetJob, Visibility};

/// Some posts never leave processing; after this long Cast stops asking (contract §11).
pub const MAX_PROCESSING_SECS: i64 = 3600;

/// How long a published public post's link is waited for (contract §7).
pub const LINK_WAIT: Duration = Duration::from_secs(24 * 3600);

pub const NOT_CONFIRMED: &str = "TikTok did not confirm the post within an hour: check your profile, it may be there. \"Check again\" asks TikTok about the same upload once more and never posts twice; \"Send again\" sends the video anew, which may post it twice.";

/// Said of a direct post that ended in the creator's inbox (§5.1, §11).
pub const MOVED_TO_INBOX: &str = "TikTok put this post in your TikTok inbox instead of posting it (TikTok does this for apps it has not audited yet). Open TikTok to finish the post: drafts expire after about a day.";

/// The wait before status poll `polls + 1`: 2 s, 3 s, 4.5 s … up to 30 s (§7: start about 2 s,
/// cap about 30 s).
pub fn poll_delay(polls: u32) -> Duration {
    let secs = 2.0 * 1.5f64.powi(polls.min(10) as i32);
    Duration::from_secs_f64(secs.min(30.0))
}

/// The same with webhooks heard lately (`webhook::heard_recently`): TikTok then tells the
/// outcome itself, and Cast asks only as a fallback: 10 s, 20 s, 40 s … up to 5 minutes.
pub fn quiet_poll_delay(polls: u32) -> Duration {
    Duration::from_secs((10u64 << polls.min(5)).min(5 * 60))
}

/// A post's link with webhooks heard lately (`publicly_available` brings it): 5, 10, 20, 40
/// minutes, then every hour.
pub fn quiet_link_delay(asked: u32) -> Duration {
    Duration::from_secs((300u64 << asked.min(4)).min(60 * 60))
}

/// Whether TikTok's webhooks are working now; a database error counts as no.
async fn webhooks_work(cx: &Context, now: i64) -> bool {
    match heard_recently(&cx.db, now).await {
        Ok(heard) => heard,
        Err(e) => {
            tracing::warn!(error = %e, "cannot tell whether TikTok's webhooks work; polling as without them");
            false
        }
    }
}

/// The wait before asking for a post's link again: 1, 2, 4, 8 minutes, then every 15.
pub fn link_delay(asked: u32) -> Duration {
    Duration::from_secs((60u64 << asked.min(4)).min(15 * 60))
}

fn secs(d: Duration) -> i64 {
    d.as_secs_f64().ceil() as i64
}

/// Trouble while following: asked again no sooner than the next poll would be, and never
/// counted (the state machine waits it out until the processing bound).
fn following(e: CallFailure, polls: u32, now: i64) -> Stop {
    let after = poll_delay(polls + 1).max(Duration::from_secs(15));
    let (code, message, retry_after) = match e {
        GatewayError::Wait(d) => {
            return Stop::Event(Event::Pause {
                until: now + secs(d),
            });
        }
        GatewayError::Platform(t) => (t.code.clone(), t.to_string(), t.retry_after),
        GatewayError::TimedOut(d) => (
            "timeout".to_string(),
            format!("TikTok did not answer within {} s.", d.as_secs()),
            None,
        ),
        GatewayError::Account(a) => ("account".to_string(), a.to_string(), None),
    };
    Stop::Event(Event::Trouble {
        code,
        message,
        retry_after: Some(retry_after.map_or(after, |r| r.max(after))),
    })
}

/// One status fetch of a committed target.
pub async fn poll(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    let now = rec.now();
    let started = job.committed_at.unwrap_or(job.created_at);
    if now - started > MAX_PROCESSING_SECS {
        let last = job
            .last_error
            .as_deref()
            .map(|e| format!(" The last answer Cast had: {e}"))
            .unwrap_or_default();
        return Err(Stop::Event(Event::NotConfirmed {
            message: format!("{NOT_CONFIRMED}{last}"),
        }));
    }
    let Some(publish_id) = job.remote_id.as_deref() else {
        // Cannot happen for a row the worker wrote; never re-send a committed video for it.
        return Err(Stop::Event(Event::refused(
            "no_publish_id",
            "Cast lost track of TikTok's upload id for this video. Check your TikTok profile before sending it again.",
        )));
    };
    let status = cx
        .fetch_status(&job.account_id, publish_id)
        .await
        .map_err(|e| following(e, job.polls, now))?;
    pull_done(cx, job, &status.status).await;
    let options = TikTokOptions::from_value(&job.options).ok();
    let direct = options.as_ref().is_none_or(|o| o.mode == PostMode::Direct);
    match status.status {
        Status::PublishComplete => {
            let post_id = status.post_ids.first().cloned();
            published(cx, job, rec, options.as_ref(), post_id).await
        }
        Status::SendToUserInbox => {
            rec.record(Event::Finished(Outcome::InInbox {
                note: direct.then(|| MOVED_TO_INBOX.to_string()),
            }))
            .await
        }
        Status::Failed => {
            let media = if job.images.is_empty() {
                Media::Video
            } else {
                Media::Photos
            };
            Err(Stop::Event(failed(status.fail_reason.as_deref(), media)))
        }
        _ => {
            let delay = if webhooks_work(cx, now).await {
                quiet_poll_delay(job.polls + 1)
            } else {
                poll_delay(job.polls + 1)
            };
            tracing::debug!(status = ?status.status, polls = job.polls, "TikTok is still processing");
            rec.record(Event::StillProcessing {
                next_poll_at: now + secs(delay),
            })
            .await
        }
    }
}

/// After a status fetch of a pulled upload: once TikTok no longer downloads, its link goes.
async fn pull_done(cx: &Context, job: &TargetJob, status: &Status) {
    if !Notes::of(job).pulled || *status == Status::ProcessingDownload {
        return;
    }
    let Some(links) = cx.links.as_ref() else {
        return;
    };
    match links.revoke_job(&job.id, RevokeReason::DownloadDone).await {
        Ok(n) if n > 0 => {
            tracing::info!(links = n, "TikTok has the video; its pull link is revoked")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not revoke the pull link"),
    }
}

/// Who sees the post, as TikTok was asked.
fn visibility(options: Option<&TikTokOptions>) -> Visibility {
    match options.and_then(|o| o.privacy_level) {
        Some(PrivacyLevel::PublicToEveryone) => Visibility::Public,
        Some(PrivacyLevel::MutualFollowFriends) => Visibility::Friends,
        Some(PrivacyLevel::FollowerOfCreator) => Visibility::Followers,
        Some(PrivacyLevel::SelfOnly) | None => Visibility::Private,
    }
}

/// `PUBLISH_COMPLETE`: the post is up. A public post's id may come late or never (§7), so Cast
/// keeps asking slowly for a while; the post counts as published from now on.
async fn published(
    cx: &Context,
    job: &TargetJob,
    rec: &dyn Recorder,
    options: Option<&TikTokOptions>,
    post_id: Option<String>,
) -> StepResult {
    let username = cx.username(&job.account_id).await;
    let public = options.is_some_and(TikTokOptions::is_public_post);
    let mut notes = Notes::of(job);
    // The status's own id first; else one a webhook brought while TikTok was processing.
    let (post_id, source) = match post_id {
        Some(id) => (Some(id), "status"),
        None => (notes.webhook_post_id.clone(), "webhook"),
    };
    let wait = (public && post_id.is_none()).then(|| rec.now() + LINK_WAIT.as_secs() as i64);
    if post_id.is_some() {
        notes.post_id_source = Some(source.into());
        rec.record(Event::Progress(notes.to_value())).await?;
    }
    let url = match &post_id {
        Some(id) => cx.video_url(&username, id),
        None => cx.profile_url(&username),
    };
    tracing::info!(publish_id = ?job.remote_id, post_id = ?post_id, "TikTok published the post");
    if wait.is_some() {
        tracing::info!("published; TikTok has not given the post id yet, asking again later");
    }
    rec.record(Event::Finished(Outcome::Published {
        url: Some(url),
        post_id,
        visibility: visibility(options),
        link_pending_until: wait,
    }))
    .await
}

/// A published public post whose id TikTok has not given yet: status fetch first, then the
/// video list. Trouble with either is only logged: the next slow ask tries again. Nothing here
/// is a failure: the post is published whatever happens.
pub async fn follow_link(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    let now = rec.now();
    let Some(until) = job.link_pending_until else {
        return Ok(());
    };
    if now >= until {
        tracing::info!("TikTok never gave the post id; linking to the profile instead");
        return rec
            .record(Event::LinkArrived {
                url: None,
                post_id: None,
            })
            .await;
    }
    if let Some((id, source)) = find_id(cx, job, rec).await? {
        tracing::info!(post_id = %id, source, "TikTok gave the post id");
        let mut notes = Notes::of(job);
        notes.post_id_source = Some(source.into());
        rec.record(Event::Progress(notes.to_value())).await?;
        let username = cx.username(&job.account_id).await;
        return rec
            .record(Event::LinkArrived {
                url: Some(cx.video_url(&username, &id)),
                post_id: Some(id),
            })
            .await;
    }
    let delay = if webhooks_work(cx, now).await {
        quiet_link_delay(job.polls)
    } else {
        link_delay(job.polls)
    };
    let next = now + secs(delay);
    rec.record(Event::StillProcessing {
        next_poll_at: next.min(until),
    })
    .await
}

async fn find_id(
    cx: &Context,
    job: &TargetJob,
    rec: &dyn Recorder,
) -> Result<Option<(String, &'static str)>, Stop> {
    let Some(publish_id) = job.remote_id.as_deref() else {
        return Ok(None);
    };
    match cx.fetch_status(&job.account_id, publish_id).await {
        Ok(status) => {
            if let Some(id) = status.post_ids.first() {
                return Ok(Some((id.clone(), "status")));
            }
        }
        Err(GatewayError::Wait(_)) => {}
        Err(e) => tracing::info!(error = %e, "asking TikTok for the post id failed"),
    }
    let videos = match cx.listed_videos(&job.account_id).await {
        Ok(Some(videos)) => videos,
        Ok(None) | Err(GatewayError::Wait(_)) => return Ok(None),
        Err(e) => {
            tracing::info!(error = %e, "reading the video list failed");
            return Ok(None);
        }
    };
    let taken = rec.other_post_ids().await?;
    let initiated_at = Notes::of(job).initiated_at.unwrap_or(job.created_at);
    let title = TikTokOptions::from_value(&job.options)
        .map(|o| o.title.as_str().to_string())
        .unwrap_or_default();
    Ok(match_by_caption(&videos, &title, initiated_at, &taken).map(|v| (v.id.clone(), "caption")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::tiktok::client::TikTokError;

    #[test]
    fn trouble_while_processing_is_followed_not_failed() {
        let refused = TikTokError::new("invalid_publish_id", "", Some(400));
        let Stop::Event(Event::Trouble { retry_after, .. }) =
            following(GatewayError::Platform(refused), 0, 0)
        else {
            panic!("trouble, not a refusal");
        };
        assert_eq!(retry_after, Some(Duration::from_secs(15)));
        let reconnect = crate::accounts::AccountError::NeedsReconnect("expired".into());
        assert!(matches!(
            following(GatewayError::Account(reconnect), 3, 0),
            Stop::Event(Event::Trouble { .. })
        ));
    }

    #[test]
    fn polls_start_at_two_seconds_and_cap_at_thirty() {
        assert_eq!(poll_delay(0), Duration::from_secs(2));
        assert_eq!(poll_delay(1), Duration::from_secs(3));
        assert_eq!(poll_delay(50), Duration::from_secs(30));
    }

    #[test]
    fn with_webhooks_working_polls_start_at_ten_seconds_and_cap_at_five_minutes() {
        assert_eq!(quiet_poll_delay(0), Duration::from_secs(10));
        assert_eq!(quiet_poll_delay(1), Duration::from_secs(20));
        assert_eq!(quiet_poll_delay(4), Duration::from_secs(160));
        assert_eq!(quiet_poll_delay(50), Duration::from_secs(300));
        assert_eq!(quiet_link_delay(0), Duration::from_secs(300));
        assert_eq!(quiet_link_delay(50), Duration::from_secs(3600));
    }

    #[test]
    fn links_are_asked_for_every_minute_then_every_fifteen() {
        assert_eq!(link_delay(0), Duration::from_secs(60));
        assert_eq!(link_delay(3), Duration::from_secs(480));
        assert_eq!(link_delay(4), Duration::from_secs(900));
        assert_eq!(link_delay(400), Duration::from_secs(900));
    }
}
