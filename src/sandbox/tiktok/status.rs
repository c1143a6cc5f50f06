//! Status fetch (contract section 7).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::limits::Limit;
use super::store::publishes;
use super::{SandboxState, auth, envelope, processing, publish, rules, scopes};
use crate::config::tiktok_sandbox::FaultStep;

pub async fn fetch(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    state.faults.check(FaultStep::Status, state.now_ms())?;
    let caller = auth::caller(&state, &req).await?;
    caller.require(&[scopes::VIDEO_PUBLISH, scopes::VIDEO_UPLOAD])?;
    state
        .limits
        .admit(&caller.open_id, Limit::Status, state.now_ms())?;
    publish::require_json(&req)?;
    let body = rules::object(&body)?;
    let publish_id = body
        .get("publish_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::InvalidParam("publish_id is required".into()))?;
    let found = publishes::by_id(&state.db, publish_id)
        .await?
        .ok_or(ApiError::InvalidPublishId)?;
    if found.open_id != caller.open_id {
        return Err(ApiError::TokenNotAuthorizedForPublishId);
    }
    let current = processing::resolve(&state, found).await?;
    let view = processing::view(&current);
    let bytes = if view.pulled {
        "downloaded_bytes"
    } else {
        "uploaded_bytes"
    };
    let mut data = json!({
        "status": view.status,
        bytes: view.uploaded_bytes,
    });
    if let Some(map) = data.as_object_mut() {
        if let Some(reason) = view.fail_reason {
            map.insert("fail_reason".into(), json!(reason));
        }
        // TikTok's spelling.
        if let Some(ids) = processing::status_post_id(&state, &current) {
            map.insert("publicaly_available_post_id".into(), ids);
        }
    }
    Ok(envelope::ok(data))
}
