//! Photo posts, as TikTok takes them (contract §15.2, §12 "Pulls and photos"): the init names
//! 1 to 35 image URLs under a verified prefix; the sandbox fetches each over real HTTP, following
//! no redirect, judges it with Cast's own image checks, and publishes the carousel as it does a
//! video. A fetch that fails ends in `FAILED` with `photo_pull_failed`.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::auth::{self, Caller};
use super::errors::ApiError;
use super::limits::Limit;
use super::photo_rules::{self, PhotoInit};
use super::privacy::PrivacyLevel;
use super::publish::{self, Mode};
use super::store::images;
use super::store::publishes::{self, NewPublish};
use super::{SandboxState, envelope, rules, scopes};
use crate::config::tiktok_sandbox::FaultStep;
use crate::crypto::random_token;
use crate::media::image::{self, MAX_IMAGE_BYTES};

const USER_AGENT: &str = "TikTok-Sandbox-Pull";

/// `POST /v2/post/publish/content/init/`.
pub async fn init(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    state.faults.check_or_act(
        crate::config::tiktok_sandbox::FaultStep::Init,
        state.now_ms(),
    )?;
    let caller = auth::caller(&state, &req).await?;
    let body = rules::object(&body)?;
    // The scope follows the mode; an unknown mode is refused below, after the scope check.
    let inbox = body.get("post_mode").and_then(|v| v.as_str()) == Some("MEDIA_UPLOAD");
    let (scope, limit) = if inbox {
        (scopes::VIDEO_UPLOAD, Limit::InboxInit)
    } else {
        (scopes::VIDEO_PUBLISH, Limit::DirectInit)
    };
    caller.require(&[scope])?;
    state.limits.admit(&caller.open_id, limit, state.now_ms())?;
    publish::require_json(&req)?;
    let init = photo_rules::photo_init(&body, &state.privacy_options, Some(&state.origin))?;
    let verified = &state.settings.verified_urls;
    if !init.images.iter().all(|u| rules::verified(u, verified)) {
        return Err(ApiError::UrlOwnershipUnverified);
    }
    if !init.direct && state.settings.app_version_old {
        return Err(ApiError::AppVersionCheckFailed);
    }
    let mode = if init.direct {
        Mode::Direct
    } else {
        Mode::Inbox
    };
    if init.direct
        && state.settings.unaudited
        && !(state.settings.account_private && init.privacy == Some(PrivacyLevel::SelfOnly))
    {
        return Err(ApiError::UnauditedClient);
    }
    publish::check_caps(&state, &caller, mode).await?;
    let post_info = body.get("post_info").map(|v| v.to_string());
    let id = create(&state, &caller, &init, post_info).await?;
    start(&state, &id, init.images);
    tracing::info!(publish_id = %id, open_id = %caller.open_id, direct = init.direct, "sandbox: photo post initialised");
    Ok(envelope::ok(json!({ "publish_id": id })))
}

async fn create(
    state: &SandboxState,
    caller: &Caller,
    init: &PhotoInit,
    post_info: Option<String>,
) -> Result<String, ApiError> {
    let n: u64 = rand::random_range(7_000_000_000_000_000_000..7_400_000_000_000_000_000);
    let id = if init.direct {
        format!("p_pub_url~v2-1.{n}")
    } else {
        format!("p_inbox_url~v2.{n}")
    };
    let now = state.now_ms();
    publishes::insert(
        &state.db,
        &NewPublish {
            publish_id: &id,
            open_id: &caller.open_id,
            grant_id: caller.grant_id,
            mode: if init.direct { "direct" } else { "inbox" },
            downgraded: false,
            post_info,
            privacy_level: init.privacy.map(PrivacyLevel::as_str),
            video_size: 0,
            chunk_size: 0,
            total_chunk_count: 0,
            upload_id: &hex::encode(crate::crypto::random_bytes(8)),
            // Never handed out: a photo post has no upload URL.
            upload_token: &random_token(24),
            upload_expires_ms: now,
            created_ms: now,
            source: "PULL_FROM_URL",
            media_type: "PHOTO",
        },
    )
    .await?;
    images::insert_all(&state.db, &id, init.cover_index, &init.images).await?;
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("image {0} answered HTTP {1}")]
    Status(usize, u16),
    #[error("the images did not arrive within {0} s")]
    TooSlow(u64),
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Fetches every image in the background; counted as a running check, so tests wait for it
/// without sleeping, and `processing::resolve` starts no video check meanwhile.
fn start(state: &web::Data<SandboxState>, publish_id: &str, urls: Vec<String>) {
    if !state.checks.claim(publish_id) {
        return;
    }
    let state = state.clone();
    let publish_id = publish_id.to_string();
    tokio::spawn(async move {
        let timeout = state.settings.pull_timeout;
        let outcome = tokio::time::timeout(timeout, fetch_all(&state, &publish_id, &urls)).await;
        let outcome = match outcome {
            Ok(r) => r,
            Err(_) => Err(FetchError::TooSlow(timeout.as_secs())),
        };
        let recorded = match outcome {
            Ok((total, verdict)) => {
                // The verdict first: once `pulled` marks it processing, resolve may read it.
                match publishes::set_verdict(&state.db, &publish_id, "", verdict).await {
                    Ok(()) => {
                        let now = state.now_ms();
                        publishes::pulled(&state.db, &publish_id, total, "image", now).await
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => {
                tracing::info!(%publish_id, error = %e, "sandbox: the photo pull failed");
                let now = state.now_ms();
                publishes::pull_failed(&state.db, &publish_id, "photo_pull_failed", now).await
            }
        };
        if let Err(e) = recorded {
            tracing::error!(%publish_id, error = %e, "sandbox: cannot record the photo pull");
        }
        state.checks.release(&publish_id);
    });
}

/// The bytes received in all, and TikTok's `fail_reason` for the first bad image ("" if none).
async fn fetch_all(
    state: &SandboxState,
    publish_id: &str,
    urls: &[String],
) -> Result<(u64, &'static str), FetchError> {
    let client = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
        // TikTok follows no redirect: a 3xx is a failed pull (§15.1).
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut total = 0u64;
    let mut verdict = "";
    for (i, url) in urls.iter().enumerate() {
        if let Some(status) = state
            .faults
            .take_status(FaultStep::PhotoPull, state.now_ms())
        {
            return Err(FetchError::Status(i, status));
        }
        let res = client.get(url).send().await?;
        let status = res.status().as_u16();
        if status != 200 {
            return Err(FetchError::Status(i, status));
        }
        let mut bytes = Vec::new();
        let mut stream = res.bytes_stream();
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            // Past the limit the bytes are only counted: the verdict is known already.
            if size <= MAX_IMAGE_BYTES + 1 {
                bytes.extend_from_slice(&chunk);
            }
        }
        images::received(
            &state.db,
            publish_id,
            i,
            size,
            &hex::encode(hasher.finalize()),
        )
        .await?;
        total += size;
        if verdict.is_empty() {
            verdict = match image::check(&bytes) {
                _ if size > MAX_IMAGE_BYTES => "picture_size_check_failed",
                Ok(_) => "",
                Err(refusal) => refusal.code(),
            };
        }
    }
    Ok((total, verdict))
}
