//! Video init, direct post and inbox (contract sections 5.1, 5.2 and 9): checks the request,
//! applies the caps, and hands out a `publish_id` with an opaque, expiring upload URL.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::auth::{self, Caller};
use super::errors::ApiError;
use super::limits::Limit;
use super::privacy::PrivacyLevel;
use super::rules::{self, ChunkLayout, Source};
use super::store::publishes::{self, NewPublish};
use super::{SandboxState, envelope, scopes};
use crate::config::tiktok_sandbox::{FaultAction, FaultStep};
use crate::crypto::random_token;

pub const DAY_MS: i64 = 86_400_000;
/// The per-creator daily cap via the API: "about 15", shared by every app.
pub const DAILY_POSTS: i64 = 15;
const PENDING_SHARES: i64 = 5;
/// Creators an unaudited app may let post in 24 hours.
const UNAUDITED_CREATORS: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Direct,
    Inbox,
    /// A direct post an unaudited app sent, put in the creator's inbox instead.
    Downgraded,
}

pub async fn direct(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    init(&req, &state, &body, Mode::Direct).await
}

pub async fn inbox(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    init(&req, &state, &body, Mode::Inbox).await
}

async fn init(
    req: &HttpRequest,
    state: &web::Data<SandboxState>,
    body: &[u8],
    mode: Mode,
) -> Result<HttpResponse, ApiError> {
    let stall =
        state.faults.check_or_act(FaultStep::Init, state.now_ms())? == Some(FaultAction::Stall);
    let caller = auth::caller(state, req).await?;
    let (scope, limit) = match mode {
        Mode::Direct | Mode::Downgraded => (scopes::VIDEO_PUBLISH, Limit::DirectInit),
        Mode::Inbox => (scopes::VIDEO_UPLOAD, Limit::InboxInit),
    };
    caller.require(&[scope])?;
    state.limits.admit(&caller.open_id, limit, state.now_ms())?;
    require_json(req)?;
    let body = rules::object(body)?;
    let (privacy, post_info) = match mode {
        Mode::Direct | Mode::Downgraded => {
            let raw = body.get("post_info");
            let info = rules::post_info(raw, &state.privacy_options)?;
            (Some(info.privacy_level), raw.map(Value::to_string))
        }
        Mode::Inbox if body.contains_key("post_info") => {
            // The inbox body is source_info only: the creator writes the post in the app.
            return Err(ApiError::InvalidParam(
                "post_info is not accepted by the inbox upload".into(),
            ));
        }
        Mode::Inbox => (None, None),
    };
    let layout = match rules::source_info_at(body.get("source_info"), Some(&state.origin))? {
        Source::FileUpload(layout) => layout,
        // Only what CAST_SANDBOX_VERIFIED_URLS covers; none by default, as for a new TikTok app.
        Source::PullFromUrl(url) if !rules::verified(&url, &state.settings.verified_urls) => {
            return Err(ApiError::UrlOwnershipUnverified);
        }
        Source::PullFromUrl(url) => {
            let mode = match mode {
                Mode::Direct
                    if state.settings.unaudited
                        && !(state.settings.account_private
                            && privacy == Some(PrivacyLevel::SelfOnly)) =>
                {
                    return Err(ApiError::UnauditedClient);
                }
                other => other,
            };
            check_caps(state, &caller, mode).await?;
            let id = create_pull(state, &caller, mode, privacy, post_info).await?;
            super::pull::start(state, &id, &url);
            tracing::info!(publish_id = %id, open_id = %caller.open_id, ?mode, "sandbox: pull initialised");
            return Ok(envelope::ok(json!({ "publish_id": id })));
        }
    };
    if state.settings.refuse_multi_chunk && layout.total_chunk_count > 1 {
        // Since about 2026-08-09 (contract §6, field report), in the report's spelling.
        return Err(ApiError::InvalidParams("The chunk size is invalid".into()));
    }
    // An unaudited app posts directly only to a private account, and only as SELF_ONLY (§9).
    let refused_unaudited = state.settings.unaudited
        && mode == Mode::Direct
        && !(state.settings.account_private && privacy == Some(PrivacyLevel::SelfOnly));
    let mode = match mode {
        // The field report of §5.1: some unaudited direct posts land in the inbox instead.
        Mode::Direct if refused_unaudited && state.settings.inbox_downgrade => Mode::Downgraded,
        Mode::Direct if refused_unaudited => return Err(ApiError::UnauditedClient),
        other => other,
    };
    check_caps(state, &caller, mode).await?;
    let created = create(state, &caller, mode, privacy, post_info, layout).await?;
    tracing::info!(publish_id = %created.0, open_id = %caller.open_id, ?mode, "sandbox: upload initialised");
    if stall {
        // The upload exists; only its answer is withheld (CAST_SANDBOX_FAULTS init:stall).
        super::upload::withhold(state).await;
        return Err(ApiError::Fault {
            status: 504,
            code: "internal_error",
            message: "The answer was withheld (CAST_SANDBOX_FAULTS).",
        });
    }
    Ok(envelope::ok(
        json!({"publish_id": created.0, "upload_url": created.1}),
    ))
}

/// Content Posting calls send `application/json; charset=UTF-8`; anything else is refused.
pub fn require_json(req: &HttpRequest) -> Result<(), ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::InvalidParam(
            "Content-Type must be application/json; charset=UTF-8".into(),
        ))
    }
}

pub(super) async fn check_caps(
    state: &SandboxState,
    caller: &Caller,
    mode: Mode,
) -> Result<(), ApiError> {
    let since = state.now_ms() - DAY_MS;
    if publishes::count_since(&state.db, &caller.open_id, since).await? >= DAILY_POSTS {
        return Err(ApiError::SpamRiskTooManyPosts);
    }
    if mode != Mode::Direct
        && publishes::pending_shares(&state.db, &caller.open_id, since).await? >= PENDING_SHARES
    {
        return Err(ApiError::SpamRiskTooManyPendingShare);
    }
    if mode == Mode::Direct
        && state.settings.unaudited
        && publishes::other_direct_creators(&state.db, &caller.open_id, since).await?
            >= UNAUDITED_CREATORS
    {
        return Err(ApiError::ReachedActiveUserCap);
    }
    Ok(())
}

/// A TikTok-looking id: these prefixes and 19 digits, like `v_pub_file~v2-1.7312345678901234567`.
fn publish_id(mode: Mode) -> String {
    let n: u64 = rand::random_range(7_000_000_000_000_000_000..7_400_000_000_000_000_000);
    match mode {
        Mode::Direct => format!("v_pub_file~v2-1.{n}"),
        Mode::Inbox | Mode::Downgraded => format!("v_inbox_file~v2.{n}"),
    }
}

/// A PULL_FROM_URL publish: no upload URL; the sandbox fetches the video itself (`pull`).
async fn create_pull(
    state: &SandboxState,
    caller: &Caller,
    mode: Mode,
    privacy: Option<PrivacyLevel>,
    post_info: Option<String>,
) -> Result<String, ApiError> {
    let n: u64 = rand::random_range(7_000_000_000_000_000_000..7_400_000_000_000_000_000);
    let id = match mode {
        Mode::Direct => format!("v_pub_url~v2-1.{n}"),
        Mode::Inbox | Mode::Downgraded => format!("v_inbox_url~v2.{n}"),
    };
    let now = state.now_ms();
    publishes::insert(
        &state.db,
        &NewPublish {
            publish_id: &id,
            open_id: &caller.open_id,
            grant_id: caller.grant_id,
            mode: if mode == Mode::Direct {
                "direct"
            } else {
                "inbox"
            },
            downgraded: false,
            post_info,
            privacy_level: privacy
                .filter(|_| mode == Mode::Direct)
                .map(PrivacyLevel::as_str),
            video_size: 0,
            chunk_size: 0,
            total_chunk_count: 0,
            // Named like an upload's, so the fetched bytes land where processing reads them.
            upload_id: &hex::encode(crate::crypto::random_bytes(8)),
            // Never handed out: a pull has no upload URL.
            upload_token: &random_token(24),
            upload_expires_ms: now,
            created_ms: now,
            source: "PULL_FROM_URL",
            media_type: "VIDEO",
        },
    )
    .await?;
    Ok(id)
}

async fn create(
    state: &SandboxState,
    caller: &Caller,
    mode: Mode,
    privacy: Option<PrivacyLevel>,
    post_info: Option<String>,
    layout: ChunkLayout,
) -> Result<(String, String), ApiError> {
    let id = publish_id(mode);
    let upload_id = hex::encode(crate::crypto::random_bytes(8));
    let upload_token = random_token(24);
    let now = state.now_ms();
    let ttl = i64::try_from(state.settings.upload_url_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    publishes::insert(
        &state.db,
        &NewPublish {
            publish_id: &id,
            open_id: &caller.open_id,
            grant_id: caller.grant_id,
            mode: if mode == Mode::Direct {
                "direct"
            } else {
                "inbox"
            },
            downgraded: mode == Mode::Downgraded,
            post_info,
            // A draft's visibility is chosen in the app, not here.
            privacy_level: privacy
                .filter(|_| mode == Mode::Direct)
                .map(PrivacyLevel::as_str),
            video_size: layout.video_size,
            chunk_size: layout.chunk_size,
            total_chunk_count: layout.total_chunk_count,
            upload_id: &upload_id,
            upload_token: &upload_token,
            upload_expires_ms: now.saturating_add(ttl),
            created_ms: now,
            source: "FILE_UPLOAD",
            media_type: "VIDEO",
        },
    )
    .await?;
    let url = state.url(&format!(
        "/upload/video/?upload_id={upload_id}&upload_token={upload_token}"
    ));
    Ok((id, url))
}
