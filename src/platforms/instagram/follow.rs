//! Following a container (contract 5, 6, 9 and 12, steps 5–8): its status polled on a slowing
//! schedule for at most 20 minutes, then `publish_settled` (a lost `media_publish` answer is
//! settled by reading the container, never by a blind repeat), the permalink recorded and the
//! link revoked. A container that failed to fetch is replaced once, with a new link.

use super::auth::endpoint;
use super::context::{Context, QUOTA_WAIT, event_for, stop};
use super::error::{ErrorKind, InstagramError};
use super::media::ContainerState;
use super::notes::{Notes, PROCESSING_BOUND_SECS, fetch_story, poll_delay};
use super::options::InstagramOptions;
use super::publish::PublishRequest;
use crate::accounts::GatewayError;
use crate::config::Secret;
use crate::links::RevokeReason;
use crate::platforms::{Event, Outcome, Recorder, StepResult, TargetJob, Visibility};

/// Containers one target may make by itself: the first, and one more after a fetch failure or
/// an expiry (contract 9: "new container, once").
const MAX_CONTAINERS: usize = 2;

pub async fn poll(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    let now = rec.now();
    let Some(container) = job.remote_id.clone() else {
        return rec
            .record(Event::Refused {
                code: "no_container".into(),
                message:
                    "Cast lost the Instagram container of this reel. Press Retry to send it again."
                        .into(),
                definitive: true,
            })
            .await;
    };
    if job
        .committed_at
        .is_some_and(|t| now - t > PROCESSING_BOUND_SECS)
    {
        revoke(cx, job, RevokeReason::FinalStatus).await;
        return rec
            .record(Event::Refused {
                code: "not_finished".into(),
                message: "Instagram did not finish processing the video within 20 minutes. Cast keeps the file: press Retry to send it again.".into(),
                definitive: true,
            })
            .await;
    }
    let client = &cx.client;
    let id = container.as_str();
    let status = cx
        .gateway
        .call(&job.account_id, endpoint::STATUS, |t| async move {
            client.container_status(&Secret::new(t), id).await
        })
        .await;
    let status = match status {
        Ok(s) => s,
        Err(e) => return Err(stop(e, now)),
    };
    match status.state {
        ContainerState::Finished | ContainerState::Published | ContainerState::Error => {
            publish(cx, job, rec, &container).await
        }
        ContainerState::Expired => {
            revoke(cx, job, RevokeReason::ContainerExpired).await;
            let e = InstagramError::refused(
                "container_expired",
                "The upload expired at Instagram before it was published.",
                ErrorKind::NewContainer,
            );
            replace(cx, job, rec, &e).await
        }
        ContainerState::InProgress | ContainerState::Unknown(_) => {
            let notes = Notes::of(job);
            if notes
                .link_expires_at_ms
                .is_some_and(|at| at <= rec.now_ms())
            {
                revoke(cx, job, RevokeReason::Expired).await;
                let story = story(cx, job).await;
                return rec
                    .record(Event::Refused {
                        code: "not_fetched_in_time".into(),
                        message: format!("Instagram did not fetch the video in time: Cast's link lived PUBLIC_LINK_TTL and Instagram was still not done. {story} Press Retry to send it again."),
                        definitive: true,
                    })
                    .await;
            }
            rec.record(Event::StillProcessing {
                next_poll_at: now + poll_delay(job.polls).as_secs() as i64,
            })
            .await
        }
    }
}

async fn publish(cx: &Context, job: &TargetJob, rec: &dyn Recorder, container: &str) -> StepResult {
    let options: InstagramOptions = serde_json::from_value(job.options.clone()).unwrap_or_default();
    let username = cx
        .accounts()
        .find(&cx.key(&job.account_id))
        .await
        .ok()
        .flatten()
        .map(|a| a.username)
        .unwrap_or_default();
    let client = &cx.client;
    let req = PublishRequest {
        user_id: &job.account_id,
        username: &username,
        container_id: container,
        caption: &options.caption,
    };
    let req = &req;
    let answer = cx
        .gateway
        .call(&job.account_id, endpoint::PUBLISH, |t| async move {
            client.publish_settled(&Secret::new(t), req).await
        })
        .await;
    let e = match answer {
        Ok(published) => {
            revoke(cx, job, RevokeReason::PublishReturned).await;
            tracing::info!(
                container,
                media_id = published.media_id.as_deref().unwrap_or(""),
                settled_by_status = published.settled_by_status,
                "Instagram reel published"
            );
            return rec
                .record(Event::Finished(Outcome::Published {
                    url: Some(published.url),
                    post_id: published.media_id,
                    visibility: Visibility::Public,
                    link_pending_until: None,
                }))
                .await;
        }
        Err(GatewayError::Platform(e)) => e,
        Err(other) => return Err(stop(other, rec.now())),
    };
    match e.kind {
        // Not ready yet, or the answer was lost: the next poll reads the status first.
        ErrorKind::Retry => Err(stop(GatewayError::Platform(e), rec.now())),
        // The quota is enforced here too: wait for the window, then publish this container.
        ErrorKind::Wait { .. } => {
            rec.record(Event::Trouble {
                code: "instagram_quota".into(),
                message: e.to_string(),
                retry_after: Some(QUOTA_WAIT),
            })
            .await
        }
        ErrorKind::NewContainer => {
            revoke(cx, job, RevokeReason::ContainerError).await;
            replace(cx, job, rec, &e).await
        }
        ErrorKind::Reconnect => {
            revoke(cx, job, RevokeReason::PublishReturned).await;
            rec.record(event_for(&e, rec.now())).await
        }
        ErrorKind::Permanent => {
            revoke(cx, job, RevokeReason::PublishReturned).await;
            let mut message = e.to_string();
            if e.is_fetch_failure() {
                message = format!("{message} {}", story(cx, job).await);
            }
            rec.record(Event::Refused {
                code: event_code(&e),
                message,
                // The container can never be published: sending again is safe.
                definitive: true,
            })
            .await
        }
    }
}

/// The container is dead: a new one (same file, new link) if this target has not made one
/// already, else the failure in a person's words, with what the link saw.
async fn replace(
    cx: &Context,
    job: &TargetJob,
    rec: &dyn Recorder,
    e: &InstagramError,
) -> StepResult {
    let made = cx.links.links(&job.id).await.map(|l| l.len()).unwrap_or(0);
    let mut message = e.to_string();
    if e.is_fetch_failure() {
        message = format!("{message} {}", story(cx, job).await);
    }
    if made < MAX_CONTAINERS {
        tracing::info!(
            containers = made,
            "instagram: the container failed; making a new one"
        );
        return rec
            .record(Event::SessionLost {
                code: event_code(e),
                message: format!("{message} Cast makes a new upload with a new link."),
                definitive: true,
            })
            .await;
    }
    rec.record(Event::Refused {
        code: event_code(e),
        message: format!("{message} Cast tried twice; press Retry once the link is fixed."),
        definitive: true,
    })
    .await
}

fn event_code(e: &InstagramError) -> String {
    match (e.subcode, e.code, e.reason) {
        (Some(sub), _, _) => format!("instagram_{sub}"),
        (None, Some(code), _) => format!("instagram_{code}"),
        (None, None, Some(reason)) => reason.to_string(),
        _ => "instagram".to_string(),
    }
}

async fn story(cx: &Context, job: &TargetJob) -> String {
    match cx.links.fetches(&job.id).await {
        Ok(f) => fetch_story(&f),
        Err(_) => String::new(),
    }
}

/// Revokes the job's live links; a failure to do so is logged (they still die at their TTL).
async fn revoke(cx: &Context, job: &TargetJob, reason: RevokeReason) {
    if let Err(e) = cx.links.revoke_job(&job.id, reason).await {
        tracing::warn!(error = %e, "instagram: cannot revoke the reel's link");
    }
}
