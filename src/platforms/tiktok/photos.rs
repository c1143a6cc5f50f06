//! Sending a photo post (a carousel, contract §15.2): TikTok takes images by URL only, so Cast
//! makes one public link per image just before init (`photo-N.jpg` or `.webp` under the prefix verified in
//! TikTok's portal), hands TikTok the list, and follows the status as for a pulled video. The
//! links are revoked when init is refused, and once the status leaves `PROCESSING_DOWNLOAD`.

use serde_json::Value;

use super::client::TikTokError;
use super::client::photos::{DirectPhotoInfo, PhotoInit};
use super::client::publish::{Init, Status};
use super::context::{CallFailure, Context, stop};
use super::follow::{self, poll_delay};
use super::notes::Notes;
use super::options::{PostMode, TikTokOptions};
use super::pull::unverified;
use crate::accounts::{AccountError, GatewayError};
use crate::links::{LinkName, LinkedFile, Links, RevokeReason};
use crate::platforms::{Event, Recorder, Stage, StepResult, Stop, TargetJob};

fn refused(code: &str, message: impl Into<String>) -> Stop {
    Stop::Event(Event::refused(code, message))
}

/// One step of a photo target.
pub async fn step(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    match job.stage {
        Stage::Start => start(cx, job, rec).await,
        Stage::Continue => resume(cx, job, rec).await,
        Stage::Follow => follow::poll(cx, job, rec).await,
        Stage::FollowLink => follow::follow_link(cx, job, rec).await,
    }
}

async fn revoke_all(links: &Links, job: &TargetJob) {
    if let Err(e) = links.revoke_job(&job.id, RevokeReason::FinalStatus).await {
        tracing::warn!(error = %e, "could not revoke the photo links");
    }
}

/// A link per image, in order; each must start with the verified prefix.
async fn make_links(links: &Links, prefix: &str, job: &TargetJob) -> Result<Vec<String>, Stop> {
    let mut urls = Vec::new();
    for (i, image) in job.images.iter().enumerate() {
        if !image.path.exists() {
            revoke_all(links, job).await;
            return Err(refused(
                "file_gone",
                "The images are no longer on the server. Post them again.",
            ));
        }
        let file = LinkedFile::new(&image.path, image.size, &image.content_type, &image.sha256)
            .map_err(|e| {
                refused(
                    "link",
                    format!("Cast cannot offer image {} to TikTok: {e}.", i + 1),
                )
            })?;
        let n = u8::try_from(i + 1).unwrap_or(u8::MAX);
        let link = match links
            .create(&job.id, LinkName::photo(n, &image.content_type), &file)
            .await
        {
            Ok(l) => l,
            Err(e) => {
                revoke_all(links, job).await;
                return Err(Stop::Event(Event::trouble(
                    "link",
                    format!("Cast could not make the links TikTok pulls the images from: {e}"),
                )));
            }
        };
        if !link.url().starts_with(prefix) {
            revoke_all(links, job).await;
            return Err(refused(
                "pull_prefix",
                format!(
                    "Cast's links do not start with TIKTOK_PULL_URL_PREFIX ({prefix}); set it to the verified prefix that covers BASE_URL/m/."
                ),
            ));
        }
        urls.push(link.url().to_string());
    }
    Ok(urls)
}

/// Creator info, the links, then the photo init; TikTok then has all it needs, so the target is
/// committed at once and followed like a pulled video.
async fn start(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    let options =
        TikTokOptions::from_value(&job.options).map_err(|p| refused(p.code, p.message))?;
    let (Some(prefix), Some(links)) = (cx.settings.pull_prefix.as_deref(), cx.links.as_ref())
    else {
        return Err(refused(
            "photos_need_pull_prefix",
            super::photo_rules::PULL_WALKTHROUGH,
        ));
    };
    let body = init_body(&options, job)?;
    // TikTok wants creator info asked before each post; it also says whether posting is possible now.
    cx.creator_info(&job.account_id)
        .await
        .map_err(|e| stop(e, rec.now()))?;
    cx.gateway
        .admit(&job.account_id, super::auth::endpoint::INIT)
        .map_err(|d| stop(GatewayError::Wait(d), rec.now()))?;
    let urls = make_links(links, prefix, job).await?;
    let body = with_urls(body, &urls);
    rec.record(Event::Initiating).await?;
    let init = match call(cx, job, &body).await {
        Ok(init) => init,
        Err(GatewayError::Platform(e)) if e.was_answered() => {
            rec.record(Event::NothingCreated).await?;
            revoke_all(links, job).await;
            return Err(init_refused(&e, prefix));
        }
        Err(
            e @ GatewayError::Account(AccountError::NeedsReconnect(_) | AccountError::NotFound(_)),
        ) => {
            rec.record(Event::NothingCreated).await?;
            revoke_all(links, job).await;
            return Err(stop(e, rec.now()));
        }
        // The answer may be lost: the links live on (to their TTL) in case TikTok pulls.
        Err(e) => return Err(stop(e, rec.now())),
    };
    let now = rec.now();
    let mut notes = Notes::of(job);
    notes.pulled = true;
    notes.initiated_at = Some(now);
    tracing::info!(publish_id = %init.publish_id, images = urls.len(), "TikTok pulls the photos from Cast");
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

/// A carousel TikTok has a publish id for (after a restart, or Retry of a failed one): TikTok
/// had every URL once init answered, so it is followed, unless TikTok says that upload failed
/// or is unknown, and then it starts over with fresh links.
async fn resume(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    let Some(publish_id) = job.remote_id.as_deref() else {
        return start(cx, job, rec).await;
    };
    let again = || {
        Stop::Event(Event::session_lost(
            "photo_post_failed",
            "TikTok's earlier try of this photo post failed; Cast posts it again.",
        ))
    };
    match cx.fetch_status(&job.account_id, publish_id).await {
        Ok(status) if status.status == Status::Failed => Err(again()),
        Ok(_) => {
            rec.record(Event::Committed {
                next_poll_at: rec.now() + poll_delay(0).as_secs() as i64,
            })
            .await
        }
        Err(GatewayError::Platform(e))
            if matches!(
                e.code.as_str(),
                "invalid_publish_id" | "token_not_authorized_for_specified_publish_id"
            ) =>
        {
            Err(again())
        }
        Err(e) => Err(stop(e, rec.now())),
    }
}

/// The init body with placeholder URLs, so its rules are checked before any link is made.
fn init_body(options: &TikTokOptions, job: &TargetJob) -> Result<Value, Stop> {
    let direct = match options.mode {
        PostMode::Direct => {
            let Some(privacy_level) = options.privacy_level else {
                return Err(refused(
                    "privacy_level_required",
                    "A direct photo post needs a privacy level.",
                ));
            };
            Some(DirectPhotoInfo {
                privacy_level,
                disable_comment: options.disable_comment,
                // Cast adds nothing to the owner's content (§10.5b): no music unless TikTok's app adds it.
                auto_add_music: false,
                brand_content_toggle: options.brand_content_toggle,
                brand_organic_toggle: options.brand_organic_toggle,
            })
        }
        PostMode::Inbox => None,
    };
    let placeholders: Vec<String> = (0..job.images.len()).map(|i| i.to_string()).collect();
    PhotoInit {
        title: options.title.as_str(),
        description: &options.description,
        direct: direct.as_ref(),
        image_urls: &placeholders,
        cover_index: options.photo_cover_index.unwrap_or(0) as usize,
    }
    .body()
    .map_err(|e| {
        refused(
            "photo_init",
            format!("Cast will not send this photo post: {e}."),
        )
    })
}

fn with_urls(mut body: Value, urls: &[String]) -> Value {
    body["source_info"]["photo_images"] = serde_json::json!(urls);
    body
}

fn init_refused(e: &TikTokError, prefix: &str) -> Stop {
    if e.code == "url_ownership_unverified" {
        return refused(
            &e.code,
            unverified(prefix).replace("the video", "the photos"),
        );
    }
    Stop::Event(super::context::event_for(e))
}

async fn call(cx: &Context, job: &TargetJob, body: &Value) -> Result<Init, CallFailure> {
    let client = &cx.client;
    cx.gateway
        .call_admitted(&job.account_id, |t| async move {
            client.init_photo(&t, body).await
        })
        .await
}
