//! The owner's view of what "YouTube" received (contract section 12): `_/videos` as JSON with
//! each file's SHA-256 and Short verdict, `_/` as a page with the videos playable, `_/quota`.
//! Owner-only through the gate; channel avatars are public, like YouTube's.

use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use tokio_util::io::ReaderStream;

use super::errors::GoogleError;
use super::pages::{self, VideoRow, VideosPage};
use super::state::YouTubeState;
use super::store::videos;
use super::{quota, videos as resource};
use crate::sandbox::gate::Visitor;

fn created_at(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

async fn owner_only(state: &YouTubeState, req: &HttpRequest) -> Option<HttpResponse> {
    match state.gate.check(req).await {
        Visitor::Owner { .. } => None,
        Visitor::Stranger(res) => Some(res),
    }
}

async fn rows(state: &YouTubeState) -> Result<Vec<Value>, GoogleError> {
    let now = state.now_ms();
    Ok(videos::all(&state.db)
        .await?
        .iter()
        .map(|v| {
            let asked: Value = serde_json::from_str(&v.resource).unwrap_or(Value::Null);
            let st = resource::state_of(state, v, now);
            json!({
                "id": v.id,
                "channel_id": v.channel_id,
                "size": v.size,
                "sha256": v.sha256,
                "snippet": asked["snippet"],
                "status": asked["status"],
                "notify_subscribers": v.notify,
                "upload_status": st.upload_status,
                "processing_status": st.processing_status,
                "privacy_status": st.privacy,
                "failure_reason": st.failure_reason,
                "rejection_reason": st.rejection_reason,
                "short": v.short,
                "short_reason": v.short_reason,
                "duration_ms": v.duration_ms,
                "width": v.width,
                "height": v.height,
                "thumbnail": v.thumbnail,
                "sessions": v.sessions,
                "created_at": created_at(v.received_ms),
            })
        })
        .collect())
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
) -> Result<HttpResponse, GoogleError> {
    if let Some(res) = owner_only(&state, &req).await {
        return Ok(res);
    }
    Ok(HttpResponse::Ok().json(rows(&state).await?))
}

pub async fn quota_page(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
) -> Result<HttpResponse, GoogleError> {
    if let Some(res) = owner_only(&state, &req).await {
        return Ok(res);
    }
    Ok(HttpResponse::Ok().json(quota::today(&state).await?))
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
) -> Result<HttpResponse, GoogleError> {
    if let Some(res) = owner_only(&state, &req).await {
        return Ok(res);
    }
    let rows = rows(&state)
        .await?
        .into_iter()
        .rev()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap_or("").to_string();
            let short = match r["short"].as_bool() {
                Some(true) => "yes".to_string(),
                _ => format!("no: {}", text("short_reason")),
            };
            VideoRow {
                title: r["snippet"]["title"].as_str().unwrap_or("").to_string(),
                channel_id: text("channel_id"),
                size: r["size"].as_i64().unwrap_or(0),
                sha256: text("sha256"),
                privacy: text("privacy_status"),
                upload_status: text("upload_status"),
                processing_status: text("processing_status"),
                short,
                sessions: r["sessions"].as_i64().unwrap_or(0),
                created_at: text("created_at"),
                video_url: state.url(&format!("/_/video/{}", text("id"))),
                id: text("id"),
            }
        })
        .collect();
    Ok(pages::html(StatusCode::OK, &VideosPage::new(rows)))
}

async fn send_file(
    path: std::path::PathBuf,
    content_type: String,
) -> Result<HttpResponse, GoogleError> {
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(GoogleError::not_found("notFound", "Not Found"));
        }
        Err(e) => return Err(e.into()),
    };
    let len = file.metadata().await?.len();
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .body(SizedStream::new(
            len,
            ReaderStream::with_capacity(file, 256 * 1024),
        )))
}

/// The received bytes, streamed from disk, for the page's player.
pub async fn video(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
    id: web::Path<String>,
) -> Result<HttpResponse, GoogleError> {
    if let Some(res) = owner_only(&state, &req).await {
        return Ok(res);
    }
    let video = videos::by_id(&state.db, &id)
        .await?
        .ok_or_else(|| GoogleError::not_found("notFound", "Not Found"))?;
    send_file(state.video_path(&video.upload_id), video.content_type).await
}

pub async fn thumbnail(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
    id: web::Path<String>,
) -> Result<HttpResponse, GoogleError> {
    if let Some(res) = owner_only(&state, &req).await {
        return Ok(res);
    }
    let video = videos::by_id(&state.db, &id)
        .await?
        .ok_or_else(|| GoogleError::not_found("notFound", "Not Found"))?;
    if !video.thumbnail {
        return Ok(avatar_svg(&video.id));
    }
    send_file(state.thumb_path(&video.id), "image/jpeg".into()).await
}

/// A generated picture: the first letter on a colour derived from the id.
fn avatar_svg(id: &str) -> HttpResponse {
    let hue = id.bytes().fold(0u32, |h, b| (h * 31 + u32::from(b)) % 360);
    let letter = id
        .chars()
        .nth(2)
        .filter(char::is_ascii_alphanumeric)
        .unwrap_or('C')
        .to_ascii_uppercase();
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="88" height="88" viewBox="0 0 88 88"><rect width="88" height="88" rx="44" fill="hsl({hue},55%,45%)"/><text x="44" y="58" font-size="40" text-anchor="middle" fill="#fff" font-family="sans-serif">{letter}</text></svg>"##
    );
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(svg)
}

pub async fn avatar(file: web::Path<String>) -> HttpResponse {
    let id = file.trim_end_matches(".svg");
    if id.len() > 40
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return HttpResponse::NotFound().finish();
    }
    avatar_svg(id)
}
