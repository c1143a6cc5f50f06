//! PULL_FROM_URL (contract §15.1): instead of sending chunks, Cast hands TikTok a public link to
//! the video (`links`, made just before init, under the prefix verified in TikTok's portal) and
//! TikTok downloads it. Used when `TIKTOK_PULL_ALWAYS` is on, or as the fallback once TikTok has
//! refused every chunk plan (§6). The link is revoked as soon as the status leaves
//! `PROCESSING_DOWNLOAD`, or when init is refused.

use super::client::TikTokError;
use super::client::publish::Init;
use super::context::{CallFailure, Context, stop};
use super::follow::poll_delay;
use super::notes::Notes;
use super::options::{PostMode, TikTokOptions};
use crate::accounts::{AccountError, GatewayError};
use crate::links::{LinkName, LinkedFile, RevokeReason};
use crate::platforms::{Event, Recorder, StepResult, Stop, TargetJob};

fn refused(code: &str, message: impl Into<String>) -> Stop {
    Stop::Event(Event::refused(code, message))
}

/// What to verify in TikTok's portal when it will not pull from `prefix`.
pub fn unverified(prefix: &str) -> String {
    format!(
        "TikTok refused to pull the video from Cast: the URL prefix {prefix} is not verified for this app. In TikTok's developer portal, open your app → URL properties, add the URL prefix {prefix} and verify it (paste the verification file TikTok gives under Cast's Settings → TikTok URL prefix, and Cast serves it), then press Retry."
    )
}

/// Inits a PULL_FROM_URL upload of the job's video; TikTok then has all it needs, so the
/// target is committed at once and followed like any other.
pub async fn start(
    cx: &Context,
    job: &TargetJob,
    options: &TikTokOptions,
    notes: &mut Notes,
    rec: &dyn Recorder,
) -> StepResult {
    let (Some(prefix), Some(links)) = (cx.settings.pull_prefix.as_deref(), cx.links.as_ref())
    else {
        return Err(refused(
            "pull_not_set_up",
            "TikTok can pull this video only once TIKTOK_PULL_URL_PREFIX is set.",
        ));
    };
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
            format!("Cast cannot offer this video to TikTok: {e}."),
        )
    })?;
    let link = links.create(&job.id, name, &file).await.map_err(|e| {
        Stop::Event(Event::trouble(
            "link",
            format!("Cast could not make the link TikTok pulls from: {e}"),
        ))
    })?;
    let revoke = || async {
        if let Err(e) = links.revoke(link.id, RevokeReason::FinalStatus).await {
            tracing::warn!(error = %e, "could not revoke the pull link");
        }
    };
    if !link.url().starts_with(prefix) {
        revoke().await;
        return Err(refused(
            "pull_prefix",
            format!(
                "Cast's links do not start with TIKTOK_PULL_URL_PREFIX ({prefix}); set it to the verified prefix that covers BASE_URL/m/."
            ),
        ));
    }
    cx.gateway
        .admit(&job.account_id, super::auth::endpoint::INIT)
        .map_err(|d| stop(GatewayError::Wait(d), rec.now()))?;
    rec.record(Event::Initiating).await?;
    let init = match call(cx, job, options, link.url()).await {
        Ok(init) => init,
        Err(GatewayError::Platform(e)) if e.was_answered() => {
            rec.record(Event::NothingCreated).await?;
            revoke().await;
            return Err(init_refused(&e, prefix));
        }
        Err(
            e @ GatewayError::Account(AccountError::NeedsReconnect(_) | AccountError::NotFound(_)),
        ) => {
            rec.record(Event::NothingCreated).await?;
            revoke().await;
            return Err(stop(e, rec.now()));
        }
        // The answer may be lost: the link lives on (to its TTL) in case TikTok pulls.
        Err(e) => return Err(stop(e, rec.now())),
    };
    let now = rec.now();
    notes.pulled = true;
    notes.initiated_at = Some(now);
    tracing::info!(publish_id = %init.publish_id, link = link.id, "TikTok pulls the video from Cast");
    rec.record(Event::Initialised {
        remote_id: init.publish_id.clone(),
        session: None,
        session_expires_at: None,
        progress: notes.to_value(),
    })
    .await?;
    rec.record(Event::Committed {
        next_poll_at: now + poll_delay(0).as_secs() as i64,
    })
    .await
}

fn init_refused(e: &TikTokError, prefix: &str) -> Stop {
    if e.code == "url_ownership_unverified" {
        let log = e
            .log_id
            .as_deref()
            .map(|l| format!(" (TikTok's log id {l})"))
            .unwrap_or_default();
        return refused(&e.code, format!("{}{log}", unverified(prefix)));
    }
    Stop::Event(super::context::event_for(e))
}

async fn call(
    cx: &Context,
    job: &TargetJob,
    options: &TikTokOptions,
    url: &str,
) -> Result<Init, CallFailure> {
    let client = &cx.client;
    let info = match options.mode {
        PostMode::Direct => Some(options.direct_post_info().map_err(GatewayError::Platform)?),
        PostMode::Inbox => None,
    };
    let info = info.as_ref();
    cx.gateway
        .call_admitted(&job.account_id, |t| async move {
            client.init_pull(&t, info, url).await
        })
        .await
}
