//! Following a video after its upload (`videos.list`, contract 6) until processing ends, for at
//! most an hour, then the result with the video's link.

use std::time::Duration;

use super::auth::endpoint;
use super::context::Context;
use super::cover;
use super::error::ErrorKind;
use super::notes::{Notes, poll_delay};
use super::videos::{Outcome, Visibility, watch_url};
use crate::accounts::GatewayError;
use crate::platforms::{
    Event, Outcome as TargetOutcome, Recorder, StepResult, TargetJob, Visibility as Shown,
};

/// How long Cast follows processing before it says it could not confirm (contract 6).
const PROCESSING_BOUND_SECS: i64 = 3600;
/// Empty `videos.list` answers tolerated before the video counts as removed (Unsure 19).
const MISSING_TOLERATED: u32 = 3;

fn shown(v: &Visibility) -> Shown {
    match v {
        Visibility::Public => Shown::Public,
        Visibility::Unlisted => Shown::Unlisted,
        Visibility::Private => Shown::Private,
        Visibility::Scheduled { .. } => Shown::Scheduled,
    }
}

/// Sets the picked cover (once: a noted outcome is not tried again) before the target ends.
async fn note_cover(
    cx: &Context,
    job: &TargetJob,
    rec: &dyn Recorder,
    video_id: &str,
) -> StepResult {
    let mut notes = Notes::of(job);
    if notes.thumbnail.is_some() {
        return Ok(());
    }
    if let Some(said) = cover::apply(cx, job, video_id).await {
        notes.thumbnail = Some(said);
        rec.record(Event::Progress(notes.to_value())).await?;
    }
    Ok(())
}

pub async fn poll(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    let now = rec.now();
    let Some(video_id) = Notes::of(job).video_id else {
        return rec
            .record(Event::NotConfirmed {
                message: "Cast lost the id of the YouTube video: check YouTube Studio.".into(),
            })
            .await;
    };
    if job
        .committed_at
        .is_some_and(|t| now - t > PROCESSING_BOUND_SECS)
    {
        return rec
            .record(Event::NotConfirmed {
                message: "YouTube did not confirm processing within an hour: check YouTube Studio. Cast keeps the file.".into(),
            })
            .await;
    }
    let next = now + poll_delay(job.polls).as_secs() as i64;
    let client = &cx.client;
    let id = video_id.as_str();
    let state = cx
        .gateway
        .call(&job.account_id, endpoint::VIDEOS, |t| async move {
            client.video(&t, id).await
        })
        .await;
    let event = match state {
        Ok(Some(state)) => match state.outcome() {
            Outcome::Processing { .. } => Event::StillProcessing { next_poll_at: next },
            Outcome::Published { visibility } => {
                note_cover(cx, job, rec, &video_id).await?;
                Event::Finished(TargetOutcome::Published {
                    url: Some(watch_url(&video_id)),
                    post_id: Some(video_id.clone()),
                    visibility: shown(&visibility),
                    link_pending_until: None,
                })
            }
            Outcome::Failed { reason, retry } => Event::Refused {
                code: "processing_failed".into(),
                message: format!(
                    "YouTube could not process the video ({reason}).{}",
                    if retry {
                        " Press Retry to send it again."
                    } else {
                        ""
                    }
                ),
                // Only an aborted upload may be sent again; YouTube holds nothing publishable.
                definitive: retry,
            },
            Outcome::Rejected { reason } => Event::refused(
                "rejected",
                format!("YouTube rejected the video ({reason}): see YouTube Studio."),
            ),
            Outcome::Removed => Event::refused("removed", "The video was removed on YouTube."),
        },
        Ok(None) if job.polls < MISSING_TOLERATED => Event::StillProcessing { next_poll_at: next },
        Ok(None) => Event::refused("removed", "The video is no longer on YouTube."),
        // YouTube has the whole video: trouble (and a spent quota) is waited out.
        Err(GatewayError::Platform(e)) => {
            let retry_after = match e.kind {
                ErrorKind::WaitUntil { until_ms, .. } => Some(Duration::from_millis(
                    u64::try_from(until_ms - rec.now_ms()).unwrap_or(0),
                )),
                ErrorKind::Retryable { retry_after } => retry_after,
                _ => None,
            };
            Event::Trouble {
                code: e.reason.clone(),
                message: e.to_string(),
                retry_after,
            }
        }
        Err(e) => Event::trouble("youtube_unreachable", e.to_string()),
    };
    rec.record(event).await
}
