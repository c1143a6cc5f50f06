//! Starting a reel (contract 12, steps 1–4): the file judged against section 7, the quota read,
//! the public link made, then the container created, its id recorded before anything else.
//! Instagram fetches the video itself, so once the container exists Cast only follows it.

use super::auth::endpoint;
use super::context::{Context, QUOTA_WAIT, stop};
use super::media::ReelRequest;
use super::media_facts;
use super::notes::{Notes, poll_delay};
use super::options::InstagramOptions;
use super::rules;
use crate::accounts::GatewayError;
use crate::config::Secret;
use crate::links::{LinkName, LinkedFile, PublicLink, RevokeReason};
use crate::platforms::{Event, Recorder, StepResult, Stop, TargetJob};

fn refused(code: &str, message: impl Into<String>) -> Stop {
    Stop::Event(Event::refused(code, message))
}

fn options(job: &TargetJob) -> Result<InstagramOptions, Stop> {
    serde_json::from_value(job.options.clone()).map_err(|e| {
        refused(
            "options",
            format!("Cast cannot read this reel's options ({e}). Post it again."),
        )
    })
}

/// Section 7 against the file itself: everything wrong at once, before anything leaves.
async fn judged(job: &TargetJob, options: &InstagramOptions) -> Result<(), Stop> {
    if !job.video.path.exists() {
        return Err(refused(
            "file_gone",
            "The video is no longer on the server. Upload it again.",
        ));
    }
    let details = media_facts::read(&job.video.path).await.map_err(|e| {
        refused(
            "unreadable_video",
            format!("Cast cannot read the video: {e}"),
        )
    })?;
    let report = rules::check(&details, options);
    if report.is_ok() {
        return Ok(());
    }
    let text: Vec<String> = report.problems.into_iter().map(|p| p.message).collect();
    Err(refused("instagram_rules", text.join(" ")))
}

/// The quota (contract 8) is advice: a used-up one waits, a failed read never blocks.
async fn quota(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> Result<(), Stop> {
    let client = &cx.client;
    let user_id = job.account_id.as_str();
    let read = cx
        .gateway
        .call(user_id, endpoint::LIMIT, |t| async move {
            client.publishing_limit(&Secret::new(t), user_id).await
        })
        .await;
    match read {
        Ok(limit) if limit.exhausted() => Err(Stop::Event(Event::Wait {
            until: rec.now() + QUOTA_WAIT.as_secs() as i64,
            code: "instagram_quota".into(),
            message: format!(
                "This account has published {} posts through apps in Instagram's 24-hour window, its limit. Cast posts the reel when Instagram allows it again.",
                limit.quota_usage
            ),
        })),
        Ok(_) => Ok(()),
        Err(GatewayError::Account(a)) => Err(stop(GatewayError::Account(a), rec.now())),
        Err(e) => {
            tracing::info!(error = %e, "instagram: quota not read; media_publish enforces it anyway");
            Ok(())
        }
    }
}

async fn link(cx: &Context, job: &TargetJob) -> Result<PublicLink, Stop> {
    let name = LinkName::for_content_type(&job.video.content_type).unwrap_or(LinkName::VideoMp4);
    let file = LinkedFile::new(
        &job.video.path,
        job.video.size,
        &job.video.content_type,
        &job.video.sha256,
    )
    .map_err(|e| {
        refused(
            "link",
            format!("Cast cannot offer this video to Instagram: {e}"),
        )
    })?;
    cx.links.create(&job.id, name, &file).await.map_err(|e| {
        Stop::Event(Event::trouble(
            "link",
            format!("Cast could not make the video's link: {e}"),
        ))
    })
}

/// A target with nothing at Instagram yet: judge, read the quota, link, create the container.
pub async fn start(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    let options = options(job)?;
    judged(job, &options).await?;
    quota(cx, job, rec).await?;
    let link = link(cx, job).await?;
    // Recorded before the request: if its answer is lost, a container may exist unnamed. It is
    // never published (only a named container is), so the next step simply makes another.
    rec.record(Event::Initiating).await?;
    let client = &cx.client;
    let user_id = job.account_id.as_str();
    let (video_url, options_ref) = (link.url(), &options);
    let created = cx
        .gateway
        .call(user_id, endpoint::CREATE, |t| async move {
            let reel = ReelRequest {
                video_url,
                cover_url: None,
                options: options_ref,
            };
            client
                .create_reel_container(&Secret::new(t), user_id, &reel)
                .await
        })
        .await;
    let container = match created {
        Ok(id) => id,
        Err(e) => {
            let answered = match &e {
                GatewayError::Platform(ig) => !ig.answer_lost(),
                GatewayError::Account(_) | GatewayError::Wait(_) => true,
                GatewayError::TimedOut(_) => false,
            };
            if answered {
                rec.record(Event::NothingCreated).await?;
                if let Err(err) = cx.links.revoke(link.id, RevokeReason::FinalStatus).await {
                    tracing::warn!(error = %err, "instagram: cannot revoke an unused link");
                }
            }
            return Err(stop(e, rec.now()));
        }
    };
    tracing::info!(container = %container, link = %link.token_prefix, "Instagram container created");
    let notes = Notes {
        link_id: Some(link.id),
        link_expires_at_ms: Some(link.expires_at_ms),
    };
    rec.record(Event::Initialised {
        remote_id: container,
        session: None,
        session_expires_at: None,
        progress: notes.to_value(),
    })
    .await?;
    committed(rec).await
}

/// Instagram fetches and processes by itself: from the container on, Cast only follows it.
async fn committed(rec: &dyn Recorder) -> StepResult {
    rec.record(Event::Committed {
        next_poll_at: rec.now() + poll_delay(0).as_secs() as i64,
    })
    .await
}

/// A container recorded but not yet followed (Cast stopped in between): follow it.
pub async fn resume(job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    if job.remote_id.is_none() {
        return Err(Stop::Event(Event::session_lost(
            "no_container",
            "Cast holds no Instagram container for this reel; it starts again.",
        )));
    }
    committed(rec).await
}
