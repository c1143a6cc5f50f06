//! Following TikTok's processing (contract §7): one status fetch per step, with backoff between,
//! until a final state or the bound for posts that never leave processing (§11).

use super::backoff::poll_delay;
use super::limiter::Endpoint;
use super::post::Mode;
use super::worker::StepError;
use super::{Job, JobState, Uploads, repository};
use crate::db::now;
use crate::tiktok::publish::Status;

/// Some posts never leave processing; after this long Cast stops asking (contract §11).
const MAX_PROCESSING_SECS: i64 = 3600;

pub(super) async fn poll(up: &Uploads, job: &mut Job) -> Result<(), StepError> {
    let started = job.processing_started_at.unwrap_or(job.updated_at);
    if now() - started > MAX_PROCESSING_SECS {
        return Err(StepError::fail(
            "not_confirmed",
            "TikTok did not confirm the post: check your profile. The video is kept, so Retry sends it again.",
        ));
    }
    let Some(publish_id) = job.publish_id.clone() else {
        return Err(StepError::Restart {
            code: "no_publish_id".into(),
            message: "Cast lost track of the TikTok upload; it starts it again.".into(),
        });
    };
    up.limiter
        .acquire(&job.open_id, Endpoint::Status)
        .map_err(StepError::Wait)?;
    let client = up.accounts.client();
    let publish_id = publish_id.as_str();
    let status = up
        .accounts
        .with_token(&job.open_id, |t| async move {
            client.fetch_status(&t, publish_id).await
        })
        .await?;
    let final_state = match (&status.status, job.mode) {
        (Status::PublishComplete, _) => JobState::Published,
        (Status::SendToUserInbox, Mode::Inbox) => JobState::InInbox,
        (Status::Failed, _) => return Err(failed(status.fail_reason.as_deref())),
        _ => {
            tracing::debug!(status = ?status.status, polls = job.polls, "TikTok is still processing");
            return Err(StepError::Wait(poll_delay(job.polls + 1)));
        }
    };
    if !repository::finish(&up.db, job, final_state, &status.post_ids, None, now()).await? {
        return Err(StepError::Gone);
    }
    tracing::info!(publish_id, state = final_state.as_str(), post_ids = ?status.post_ids, "upload finished");
    job.state = final_state;
    up.succeeded(job).await;
    Ok(())
}

/// TikTok's `fail_reason`, for a person; `internal` is TikTok's fault and worth another go.
fn failed(reason: Option<&str>) -> StepError {
    let reason = reason.unwrap_or("unknown");
    let message = match reason {
        "internal" => {
            return StepError::Restart {
                code: "internal".into(),
                message: "TikTok had a problem processing the video; Cast sends it again.".into(),
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
        "publish_cancelled" => "The post was cancelled on TikTok's side.",
        "auth_removed" => {
            "The account removed Cast's access on TikTok while the video was processing. Reconnect it, then retry."
        }
        "spam_risk_too_many_posts" => {
            "This account has reached TikTok's daily limit of posts. Retry tomorrow."
        }
        "spam_risk_user_banned_from_posting" => {
            "TikTok does not allow this account to post right now."
        }
        "spam_risk_text" => {
            "TikTok judged the title to be spam. Change the title and upload again."
        }
        "spam_risk" => "TikTok refused the post as a spam risk.",
        "video_pull_failed" => "TikTok could not fetch the video.",
        _ => "TikTok could not publish the video.",
    };
    StepError::fail(reason, format!("{message} (TikTok: {reason})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_failures_start_over_and_others_explain_themselves() {
        assert!(matches!(
            failed(Some("internal")),
            StepError::Restart { .. }
        ));
        match failed(Some("file_format_check_failed")) {
            StepError::Fail { code, message } => {
                assert_eq!(code, "file_format_check_failed");
                assert!(message.contains("format"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
