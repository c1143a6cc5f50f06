//! The resumable upload's initiation (contract 4.1), at its strictest: `uploadType=resumable`,
//! `part` naming snippet and status, JSON that parses, the two `X-Upload-Content-*` headers, the
//! metadata rules, the channel's cap, then the insert's quota. Success is 200 with an empty
//! body and the session URI in `Location`.

use actix_web::http::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};

use super::api::{self, Query};
use super::auth::TO_UPLOAD;
use super::errors::GoogleError;
use super::metadata;
use super::quota;
use super::receive::drain;
use super::state::YouTubeState;
use super::store::sessions::{self, Session};
use crate::config::youtube_sandbox::FaultStep;
use crate::crypto::random_token;

const INSERT_PARTS: [&str; 13] = [
    "snippet",
    "status",
    "contentDetails",
    "fileDetails",
    "id",
    "liveStreamingDetails",
    "localizations",
    "player",
    "processingDetails",
    "recordingDetails",
    "statistics",
    "suggestions",
    "topicDetails",
];
/// YouTube's largest file: 256 GB.
const MAX_VIDEO_BYTES: u64 = 256 * 1024 * 1024 * 1024;
const MAX_METADATA_BYTES: usize = 64 * 1024;
const DAY_MS: i64 = 86_400_000;

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// The declared upload, once its request is good.
struct Declared {
    size: u64,
    content_type: String,
    part: String,
    notify: bool,
    resource: serde_json::Value,
}

fn declared(
    req: &HttpRequest,
    q: &Query,
    body: &[u8],
    now_ms: i64,
) -> Result<Declared, GoogleError> {
    match q.get("uploadType") {
        Some("resumable") => {}
        other => {
            return Err(GoogleError::bad_request(
                "invalidParameter",
                format!(
                    "uploadType must be resumable (the sandbox takes resumable uploads only), not {other:?}."
                ),
            ));
        }
    }
    let parts = q.parts(&INSERT_PARTS)?;
    if !parts.iter().any(|p| p == "snippet") || !parts.iter().any(|p| p == "status") {
        return Err(GoogleError::bad_request(
            "invalidPart",
            "part must name both snippet and status: they are the parts the body sets.",
        ));
    }
    let notify = match q.get("notifySubscribers") {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(GoogleError::bad_request(
                "invalidParameter",
                format!("notifySubscribers must be true or false, not '{other}'."),
            ));
        }
    };
    let h = req.headers();
    let json = header(h, CONTENT_TYPE.as_str())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(GoogleError::bad_request(
            "badContent",
            "The metadata's Content-Type must be application/json; charset=UTF-8.",
        ));
    }
    let size = header(h, "x-upload-content-length")
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| {
            GoogleError::bad_request(
                "badContent",
                "X-Upload-Content-Length must give the video's size in bytes.",
            )
        })?;
    if size > MAX_VIDEO_BYTES {
        return Err(GoogleError::bad_request(
            "uploadTooLarge",
            "The video is larger than YouTube's 256 GB limit.",
        ));
    }
    let content_type = header(h, "x-upload-content-type")
        .map(str::to_ascii_lowercase)
        .filter(|t| (t.starts_with("video/") && t.len() > 6) || t == "application/octet-stream")
        .ok_or_else(|| {
            GoogleError::bad_request(
                "badContent",
                "X-Upload-Content-Type must be a video/* type or application/octet-stream.",
            )
        })?;
    let accepted = metadata::check(body, now_ms)?;
    Ok(Declared {
        size,
        content_type,
        part: parts.join(","),
        notify,
        resource: accepted.resource,
    })
}

async fn read_body(payload: &mut web::Payload) -> Result<Vec<u8>, GoogleError> {
    let mut body = Vec::new();
    while let Some(bytes) = payload.next().await {
        let bytes = bytes.map_err(|e| {
            GoogleError::bad_request("badContent", format!("The body could not be read: {e}"))
        })?;
        if body.len() + bytes.len() > MAX_METADATA_BYTES {
            drain(payload).await;
            return Err(GoogleError::bad_request(
                "badContent",
                "The metadata is larger than 64 KiB.",
            ));
        }
        body.extend_from_slice(&bytes);
    }
    Ok(body)
}

pub async fn start(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, GoogleError> {
    let body = read_body(&mut payload).await?;
    let q = Query::parse(&req)?;
    if q.get("upload_id").is_some() {
        return Err(GoogleError::bad_request(
            "badRequest",
            "A session URI takes PUT, not POST.",
        ));
    }
    let caller = api::admit(&state, &req, Some(FaultStep::Init), 0).await?;
    let now = state.now_ms();
    let checked = caller
        .require(&TO_UPLOAD)
        .and_then(|()| caller.channel().map(str::to_string))
        .and_then(|channel| declared(&req, &q, &body, now).map(|d| (channel, d)));
    let (channel_id, d) = match checked {
        Ok(ok) => ok,
        Err(e) => {
            quota::charge_refusal(&state).await?;
            return Err(e);
        }
    };
    let cap = i64::from(state.settings.channel_uploads_per_day);
    if cap > 0 && sessions::opened_since(&state.db, &channel_id, now - DAY_MS).await? >= cap {
        quota::charge_refusal(&state).await?;
        return Err(GoogleError::upload_limit());
    }
    quota::take_insert(&state).await?;
    let resource = d.resource.to_string();
    let resource_key = hex::encode(Sha256::digest(format!("{}:{resource}", d.size)));
    let upload_id = format!("AUE{}", random_token(36));
    let ttl = i64::try_from(state.settings.session_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    sessions::insert(
        &state.db,
        &Session {
            upload_id: upload_id.clone(),
            account_id: caller.account_id.clone(),
            channel_id,
            total_size: i64::try_from(d.size).unwrap_or(i64::MAX),
            content_type: d.content_type,
            part: d.part.clone(),
            notify: d.notify,
            resource,
            resource_key,
            received: 0,
            chunk_size: None,
            created_ms: now,
            expires_ms: now.saturating_add(ttl),
            video_id: None,
        },
    )
    .await?;
    // Parameters in another order than the request's, as recorded: the client must store the
    // URI verbatim, never rebuild it.
    let location = format!(
        "{}?part={}&uploadType=resumable&upload_id={upload_id}",
        state.url("/upload/youtube/v3/videos"),
        d.part.replace(',', "%2C")
    );
    tracing::info!(upload = %&upload_id[..10], bytes = d.size, "youtube sandbox: upload session opened");
    Ok(HttpResponse::Ok()
        .insert_header((LOCATION, location))
        .insert_header(("X-GUploader-UploadID", upload_id))
        .insert_header(("Server", "UploadServer"))
        .content_type("text/html; charset=UTF-8")
        .finish())
}
