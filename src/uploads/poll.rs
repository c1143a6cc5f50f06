//! Following TikTok's processing (contract §7): one status fetch per step, with backoff between,
//! until a final state or the bound for posts that never leave processing (§11).
//!
//! The job is delivered here (TikTok acknowledged the whole file), so nothing that goes wrong
//! while asking is a failure before the bound: TikTok may publish the video whatever Cast hears.

use std::time::Duration;

use super::backoff::{self, LINK_WAIT, poll_delay};
use super::limiter::Endpoint;
use super::post::Mode;
use super::repository::Outcome;
use super::worker::StepError;
use super::{Job, JobState, Uploads, repository};
use crate::platforms::tiktok::client::privacy::PrivacyLevel;
use crate::platforms::tiktok::client::publish::{PublishStatus, Status};

/// Some posts never leave processing; after this long Cast stops asking (contract §11).
pub(super) const MAX_PROCESSING_SECS: i64 = 3600;

pub(super) const NOT_CONFIRMED: &str = "TikTok did not confirm the post within an hour: check your profile, it may be there. \"Check again\" asks TikTok about the same upload once more and never posts twice; \"Send again\" sends the video anew, which may post it twice.";

/// Said of a direct post that ended in the creator's inbox (§5.1, §11).
pub(super) const MOVED_TO_INBOX: &str = "TikTok put this post in your TikTok inbox instead of posting it (TikTok does this for apps it has not audited yet). Open TikTok to finish the post: drafts expire after about a day.";

pub(super) async fn poll(up: &Uploads, job: &mut Job) -> Result<(), StepError> {
    let now = up.clock.now();
    let started = job.processing_started_at.unwrap_or(job.updated_at);
    if now - started > MAX_PROCESSING_SECS {
        let last = job
            .last_error
            .as_deref()
            .map(|e| format!(" The last answer Cast had: {e}"))
            .unwrap_or_default();
        return Err(StepError::fail(
            "not_confirmed",
            format!("{NOT_CONFIRMED}{last}"),
        ));
    }
    let Some(publish_id) = job.publish_id.clone() else {
        // Cannot happen for a row the worker wrote; never re-send a delivered video for it.
        return Err(StepError::fail(
            "no_publish_id",
            "Cast lost track of TikTok's upload id for this video. Check your TikTok profile before sending it again.",
        ));
    };
    up.limiter
        .acquire(&job.open_id, Endpoint::Status, up.clock.now_ms())
        .map_err(StepError::Wait)?;
    let status = match fetch(up, &job.open_id, &publish_id).await {
        Ok(status) => status,
        Err(e) => return Err(following(e, job.polls)),
    };
    match status.status {
        Status::PublishComplete => published(up, job, &status.post_ids).await,
        Status::SendToUserInbox => {
            let outcome = Outcome {
                note: (job.mode == Mode::Direct).then_some(MOVED_TO_INBOX),
                ..Outcome::success(JobState::InInbox)
            };
            let run_at = job.run_at;
            finish_at(up, job, outcome, run_at).await
        }
        Status::Failed => Err(failed(status.fail_reason.as_deref())),
        _ => {
            tracing::debug!(status = ?status.status, polls = job.polls, "TikTok is still processing");
            Err(StepError::Wait(poll_delay(job.polls + 1)))
        }
    }
}

pub(super) async fn fetch(
    up: &Uploads,
    open_id: &str,
    publish_id: &str,
) -> Result<PublishStatus, crate::accounts::AccountError> {
    let client = up.accounts.client();
    up.accounts
        .with_token(open_id, |t| async move {
            client.fetch_status(&t, publish_id).await
        })
        .await
}

/// Any trouble asking (a 5xx, an answer Cast cannot read, even a refused token): keep asking,
/// more slowly, until the processing bound.
fn following(e: impl Into<StepError>, polls: u32) -> StepError {
    let after = poll_delay(polls + 1).max(Duration::from_secs(15));
    match e.into() {
        StepError::Retry {
            code,
            message,
            after: retry_after,
        } => StepError::Follow {
            code,
            message,
            after: retry_after.map_or(after, |r| r.max(after)),
        },
        StepError::Fail { code, message, .. } | StepError::Restart { code, message, .. } => {
            StepError::Follow {
                code,
                message,
                after,
            }
        }
        other => other,
    }
}

/// `PUBLISH_COMPLETE`: the post is up. A public post's id may come late or never (§7), so Cast
/// keeps asking slowly for a while; the post counts as published from now on.
async fn published(up: &Uploads, job: &mut Job, post_ids: &[String]) -> Result<(), StepError> {
    let now = up.clock.now();
    let public = job.mode == Mode::Direct
        && job.options.privacy_level == Some(PrivacyLevel::PublicToEveryone);
    let wait = (public && post_ids.is_empty()).then(|| now + LINK_WAIT.as_secs() as i64);
    let outcome = Outcome {
        post_ids,
        post_id_source: (!post_ids.is_empty()).then_some("status"),
        link_wait_until: wait,
        ..Outcome::success(JobState::Published)
    };
    let run_at = now + backoff::secs_ceil(backoff::link_delay(0));
    finish_at(up, job, outcome, run_at).await?;
    if wait.is_some() {
        tracing::info!("published; TikTok has not given the post id yet, asking again later");
    }
    Ok(())
}

async fn finish_at(
    up: &Uploads,
    job: &mut Job,
    outcome: Outcome<'_>,
    run_at: i64,
) -> Result<(), StepError> {
    if !repository::finish(&up.db, job, &outcome, run_at, up.clock.now()).await? {
        return Err(StepError::Gone);
    }
    tracing::info!(publish_id = ?job.publish_id, state = outcome.state.as_str(), post_ids = ?outcome.post_ids, "upload finished");
    job.state = outcome.state;
    up.succeeded(job).await;
    Ok(())
}

/// TikTok's `fail_reason` (§7), for a person. TikTok said FAILED, so this upload can never be
/// published: the job is no longer delivered and Retry may send it again. `internal` is TikTok's
/// fault and Cast sends it again by itself.
pub(super) fn failed(reason: Option<&str>) -> StepError {
    let reason = reason.unwrap_or("unknown");
    let message = match reason {
        "internal" => {
            return StepError::Restart {
                code: "internal".into(),
                message: "TikTok had a problem processing the video; Cast sends it again.".into(),
                tiktok_said_failed: true,
            };
        }
        "file_format_check_failed" => {
            "TikTok could not read the video's format. Export it as MP4 (H.264) and upload it again."
        }
        "duration_check_failed" => {
            "TikTok refused the video's length for this account. Trim it and upload it again."
        }
        "frame_rate_check_failed" => {
            "TikTok refused the video's frame rate (it takes 23 to 60 fps). Export it at 30 fps."
        }
        "picture_size_check_failed" => {
            "TikTok refused the picture size (every side must be 360 to 4096 pixels). Export it at 1080×1920."
        }
        "video_pull_failed" => {
            "TikTok could not fetch the video from Cast. Press Retry to send it again."
        }
        "photo_pull_failed" => "TikTok could not fetch the photo. Press Retry to send it again.",
        "publish_cancelled" => "The post was cancelled on TikTok's side.",
        "auth_removed" => {
            "The account removed Cast's access on TikTok while the video was processing. Reconnect it, then retry."
        }
        "spam_risk_too_many_posts" => {
            "This account has reached TikTok's daily limit of posts through apps. Retry tomorrow, or post from the TikTok app."
        }
        "spam_risk_user_banned_from_posting" => {
            "TikTok does not allow this account to post right now."
        }
        "spam_risk_text" => {
            "TikTok judged the title to be spam. Change the title and upload again."
        }
        "spam_risk" => "TikTok refused the post as a spam risk.",
        "app_version_check_failed" => {
            "The TikTok app on the phone is too old for this (TikTok wants version 31.8 or later). Update TikTok on your phone, then press Retry."
        }
        _ => "TikTok could not publish the video.",
    };
    StepError::Fail {
        code: reason.to_string(),
        message: format!("{message} (TikTok: {reason})"),
        tiktok_said_failed: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::tiktok::client::TikTokError;

    #[test]
    fn internal_failures_start_over_and_others_explain_themselves() {
        assert!(matches!(
            failed(Some("internal")),
            StepError::Restart {
                tiktok_said_failed: true,
                ..
            }
        ));
        match failed(Some("file_format_check_failed")) {
            StepError::Fail {
                code,
                message,
                tiktok_said_failed,
            } => {
                assert_eq!(code, "file_format_check_failed");
                assert!(message.contains("format"), "{message}");
                assert!(tiktok_said_failed);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_fail_reason_of_the_contract_has_words() {
        for reason in [
            "file_format_check_failed",
            "duration_check_failed",
            "frame_rate_check_failed",
            "picture_size_check_failed",
            "video_pull_failed",
            "photo_pull_failed",
            "publish_cancelled",
            "auth_removed",
            "spam_risk_too_many_posts",
            "spam_risk_user_banned_from_posting",
            "spam_risk_text",
            "spam_risk",
            "app_version_check_failed",
        ] {
            let StepError::Fail { message, .. } = failed(Some(reason)) else {
                panic!("{reason} ends the job");
            };
            assert!(
                !message.starts_with("TikTok could not publish the video."),
                "{reason}: {message}"
            );
        }
        // An unknown reason is shown as it is.
        let StepError::Fail { message, .. } = failed(Some("brand_new_reason")) else {
            panic!("permanent");
        };
        assert!(message.contains("brand_new_reason"));
    }

    #[test]
    fn trouble_while_processing_is_followed_not_failed() {
        let refused = TikTokError::new("invalid_publish_id", "", Some(400));
        assert!(matches!(following(refused, 0), StepError::Follow { .. }));
        let busy = TikTokError::new("internal_error", "", Some(500));
        assert!(matches!(following(busy, 3), StepError::Follow { .. }));
        let reconnect = crate::accounts::AccountError::NeedsReconnect("expired".into());
        assert!(matches!(following(reconnect, 3), StepError::Follow { .. }));
    }
}
