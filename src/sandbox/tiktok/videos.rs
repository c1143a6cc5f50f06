//! The video list (contract §7.1): the creator's public videos, newest first, with only the
//! fields asked for. A post is listed from `PUBLISH_COMPLETE` on, whatever the status fetch's
//! post id delay, as peers found of TikTok.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::limits::Limit;
use super::store::publishes::{self, Publish};
use super::{SandboxState, auth, envelope, processing, publish, rules, scopes};
use crate::config::tiktok_sandbox::FaultStep;

/// The video object's fields (`tiktok-api-v2-video-object`).
const FIELDS: [&str; 15] = [
    "id",
    "create_time",
    "cover_image_url",
    "share_url",
    "video_description",
    "duration",
    "height",
    "width",
    "title",
    "embed_html",
    "embed_link",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
];
const DEFAULT_COUNT: u64 = 10;
const MAX_COUNT: u64 = 20;
/// TikTok keeps the caption's first 150 characters as the title.
const TITLE_CHARS: usize = 150;

pub async fn list(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    state.faults.check(FaultStep::VideoList, state.now_ms())?;
    let caller = auth::caller(&state, &req).await?;
    caller.require(&[scopes::VIDEO_LIST])?;
    state
        .limits
        .admit(&caller.open_id, Limit::VideoList, state.now_ms())?;
    let fields = requested_fields(&req)?;
    publish::require_json(&req)?;
    let body = rules::object(&body)?;
    let max_count = match body.get("max_count") {
        None | Some(Value::Null) => DEFAULT_COUNT,
        Some(v) => v
            .as_u64()
            .filter(|n| (1..=MAX_COUNT).contains(n))
            .ok_or_else(|| ApiError::InvalidParams("max_count must be 1 to 20".into()))?,
    };
    let cursor = match body.get("cursor") {
        None | Some(Value::Null) => i64::MAX,
        Some(v) => v.as_i64().filter(|c| *c >= 0).ok_or_else(|| {
            ApiError::InvalidParams("cursor must be a Unix time in milliseconds".into())
        })?,
    };
    // Posts whose processing ended since the last look are listed too.
    for p in publishes::processing_of(&state.db, &caller.open_id).await? {
        processing::resolve(&state, p).await?;
    }
    let mut found =
        publishes::public_posts(&state.db, &caller.open_id, cursor, max_count as u32 + 1).await?;
    let has_more = found.len() as u64 > max_count;
    found.truncate(max_count as usize);
    let next_cursor = found
        .last()
        .and_then(|p| p.completed_ms)
        .unwrap_or(cursor.min(state.now_ms()));
    let videos: Vec<Value> = found.iter().map(|p| video(p, &fields)).collect();
    Ok(envelope::ok(json!({
        "videos": videos,
        "cursor": next_cursor,
        "has_more": has_more,
    })))
}

/// `fields` in the query string is required, and each must be a video field (else 400
/// `invalid_params`, the general API pages' spelling).
fn requested_fields(req: &HttpRequest) -> Result<Vec<String>, ApiError> {
    let fields = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "fields")
        .map(|(_, v)| scopes::split(&v))
        .unwrap_or_default();
    if fields.is_empty() {
        return Err(ApiError::InvalidParams(
            "The fields parameter is required".into(),
        ));
    }
    if let Some(bad) = fields.iter().find(|f| !FIELDS.contains(&f.as_str())) {
        return Err(ApiError::InvalidParams(format!(
            "'{bad}' is not a video field"
        )));
    }
    Ok(fields)
}

fn video(p: &Publish, fields: &[String]) -> Value {
    let id = p.post_id.map(|i| i.to_string()).unwrap_or_default();
    let caption: String = p
        .post_info
        .as_deref()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| v.get("title")?.as_str().map(str::to_string))
        .unwrap_or_default()
        .chars()
        .take(TITLE_CHARS)
        .collect();
    let share_url = format!("https://www.tiktok.com/@{}/video/{id}", p.username);
    let mut out = Map::new();
    for field in fields {
        let value = match field.as_str() {
            // A string in the video object, unlike the status fetch's numbers.
            "id" => json!(id),
            "create_time" => json!(p.completed_ms.unwrap_or(p.created_ms) / 1000),
            "title" | "video_description" => json!(caption),
            "share_url" => json!(share_url),
            "embed_link" => json!(format!("https://www.tiktok.com/player/v1/{id}")),
            "embed_html" => json!(format!(
                "<blockquote class=\"tiktok-embed\" cite=\"{share_url}\" data-video-id=\"{id}\"></blockquote>"
            )),
            "cover_image_url" => json!(""),
            _ => json!(0),
        };
        out.insert(field.clone(), value);
    }
    Value::Object(out)
}
