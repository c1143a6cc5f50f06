//! `thumbnails.set` (contract section 7): at most 2 MB, JPEG or PNG, only the video's own channel,
//! only after processing succeeded, and 403 for a channel not allowed custom thumbnails.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use serde_json::json;
use tokio::io::AsyncWriteExt as _;

use super::api::{self, Query};
use super::auth::TO_UPLOAD;
use super::errors::GoogleError;
use super::quota::THUMBNAIL_UNITS;
use super::state::YouTubeState;
use super::store::videos;
use super::videos as resource;
use crate::config::youtube_sandbox::FaultStep;

/// The smaller of the two documented limits (Unsure 20).
pub const MAX_BYTES: u64 = 2 * 1024 * 1024;

fn is_image(head: &[u8]) -> bool {
    head.starts_with(&[0xFF, 0xD8, 0xFF]) || head.starts_with(b"\x89PNG\r\n\x1a\n")
}

pub async fn set(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, GoogleError> {
    let result = checked(&req, &state, &mut payload).await;
    super::receive::drain(&mut payload).await;
    result
}

async fn checked(
    req: &HttpRequest,
    state: &web::Data<YouTubeState>,
    payload: &mut web::Payload,
) -> Result<HttpResponse, GoogleError> {
    let caller = api::admit(state, req, Some(FaultStep::Thumbnail), THUMBNAIL_UNITS).await?;
    caller.require(&TO_UPLOAD)?;
    let q = Query::parse(req)?;
    let video_id = q
        .get("videoId")
        .ok_or_else(|| GoogleError::missing_parameter("videoId"))?;
    if !matches!(q.get("uploadType"), None | Some("media")) {
        return Err(GoogleError::bad_request(
            "invalidParameter",
            "uploadType must be media for a thumbnail.",
        ));
    }
    if state.settings.unverified_channel {
        return Err(GoogleError::forbidden(
            "The authenticated user doesn't have permissions to upload and set custom video thumbnails.",
        ));
    }
    let video = videos::by_id(&state.db, video_id).await?.ok_or_else(|| {
        GoogleError::not_found(
            "notFound",
            "The video that you are trying to update cannot be found.",
        )
    })?;
    let cannot = || GoogleError::forbidden("The thumbnail can't be set for the specified video.");
    if caller.channel_id.as_deref() != Some(video.channel_id.as_str()) {
        return Err(cannot());
    }
    let st = resource::state_of(state, &video, state.now_ms());
    if st.processing_status != "succeeded" {
        // Shorts' thumbnails are settable only "after video processing is complete".
        return Err(cannot());
    }
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !matches!(
        essence.as_str(),
        "image/jpeg" | "image/png" | "application/octet-stream"
    ) {
        return Err(GoogleError::bad_request(
            "invalidImage",
            "The thumbnail must be sent as image/jpeg, image/png or application/octet-stream.",
        ));
    }
    let final_path = state.thumb_path(&video.id);
    let tmp = final_path.with_extension("part");
    tokio::fs::create_dir_all(&state.files_dir).await?;
    let mut file = tokio::fs::File::create(&tmp).await?;
    let mut head = Vec::with_capacity(8);
    let mut size = 0u64;
    while let Some(bytes) = payload.next().await {
        let bytes = bytes.map_err(|_| {
            GoogleError::bad_request("mediaBodyRequired", "The image did not arrive whole.")
        })?;
        size += bytes.len() as u64;
        if size > MAX_BYTES {
            drop(file);
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(GoogleError::bad_request(
                "invalidImage",
                "The thumbnail is larger than 2 MB.",
            ));
        }
        if head.len() < 8 {
            head.extend(bytes.iter().take(8 - head.len()));
        }
        file.write_all(&bytes).await?;
    }
    file.flush().await?;
    drop(file);
    if size == 0 || !is_image(&head) {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(if size == 0 {
            GoogleError::bad_request("mediaBodyRequired", "The request has no image.")
        } else {
            GoogleError::bad_request("invalidImage", "The image is not a JPEG or PNG.")
        });
    }
    tokio::fs::rename(&tmp, &final_path).await?;
    videos::set_thumbnail(&state.db, &video.id).await?;
    let url = state.thumbnail_url(&video.id);
    let size = |w: u32, h: u32| json!({"url": url, "width": w, "height": h});
    Ok(HttpResponse::Ok().json(json!({
        "kind": "youtube#thumbnailSetResponse",
        "etag": api::etag(),
        "items": [{"default": size(120, 90), "medium": size(320, 180), "high": size(480, 360)}],
    })))
}
