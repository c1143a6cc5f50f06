//! Creator info (contract section 4): what the posting screen must be built from.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::errors::ApiError;
use super::limits::Limit;
use super::publish::{DAILY_POSTS, DAY_MS};
use super::store::{accounts, publishes};
use super::{SandboxState, auth, envelope, scopes, user};
use crate::config::tiktok_sandbox::FaultStep;

pub async fn query(
    req: HttpRequest,
    state: web::Data<SandboxState>,
) -> Result<HttpResponse, ApiError> {
    state.faults.check(FaultStep::CreatorInfo, state.now_ms())?;
    let caller = auth::caller(&state, &req).await?;
    caller.require(&[scopes::VIDEO_PUBLISH])?;
    state
        .limits
        .admit(&caller.open_id, Limit::CreatorInfo, state.now_ms())?;
    let posted_today =
        publishes::count_since(&state.db, &caller.open_id, state.now_ms() - DAY_MS).await?;
    if state.settings.cannot_post || posted_today >= DAILY_POSTS {
        // TikTok answers "cannot post now" with HTTP 200 on purpose (section 4).
        return Ok(envelope::failure(
            StatusCode::OK,
            "spam_risk_too_many_posts",
            "The creator has reached the daily post limit. Try again later.",
        ));
    }
    let creator = accounts::creator(&state.db, &caller.open_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("grant without a creator")))?;
    let s = &state.settings;
    let options = &s.privacy_options;
    Ok(envelope::ok(json!({
        "creator_avatar_url": user::avatar_url(&state, &creator.open_id),
        "creator_username": creator.username,
        "creator_nickname": user::nickname(&creator.username),
        "privacy_level_options": options,
        "comment_disabled": s.comment_disabled,
        "duet_disabled": s.duet_disabled,
        "stitch_disabled": s.stitch_disabled,
        "max_video_post_duration_sec": s.max_duration_sec,
    })))
}
