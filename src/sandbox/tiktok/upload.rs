//! The upload URL: chunk `PUT`s (contract section 6), checked in order and written to disk as
//! they stream, so even a 128 MB chunk never sits in memory.

use std::io::SeekFrom;
use std::path::Path;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use futures_util::StreamExt as _;
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

use super::errors::UploadError;
use super::rules::ChunkLayout;
use super::store::publishes::{self, Publish, UPLOADING};
use super::{SandboxState, Turn, envelope, processing};
use crate::config::tiktok_sandbox::{ChunkReply, FaultAction, FaultStep};

const MEDIA_TYPES: [&str; 3] = ["video/mp4", "video/quicktime", "video/webm"];
/// A refused request's body is read and dropped, so the client sees the status rather than a
/// reset connection; past this much it is cheaper to let the connection close.
const DRAIN_LIMIT: u64 = 130_000_000;

pub async fn put_chunk(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    mut payload: web::Payload,
) -> HttpResponse {
    match receive(&req, &state, &mut payload).await {
        Ok(res) => res,
        Err(e) => {
            drain(&mut payload).await;
            e.error_response()
        }
    }
}

/// How long a withheld answer is withheld, on the sandbox's clock (longer than any client waits)
/// or in real time, whichever ends first, so a stopping server is never held for long.
const WITHHELD: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Waits out a withheld answer (`CAST_SANDBOX_FAULTS` stall). When the client gives up, the
/// connection closes and the handler is dropped with it.
pub(super) async fn withhold(state: &SandboxState) {
    tokio::select! {
        _ = state.clock.sleep(WITHHELD) => {}
        _ = tokio::time::sleep(WITHHELD) => {}
    }
}

/// `chunk:stall`: the whole chunk is read and dropped (nothing is stored), and no answer comes,
/// as when a tunnel or TikTok's edge swallows a response. The client must time out.
async fn stall(
    state: &SandboxState,
    payload: &mut web::Payload,
) -> Result<HttpResponse, UploadError> {
    drain(payload).await;
    tracing::info!("sandbox: chunk read, answer withheld (CAST_SANDBOX_FAULTS stall)");
    withhold(state).await;
    Err(UploadError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "stalled chunk never answered",
    ))
}

/// Closes the connection without an answer: a body that fails before its first byte makes
/// actix drop the connection before the status line is written.
fn hang_up() -> HttpResponse {
    HttpResponse::Ok().streaming(futures_util::stream::once(async {
        Err::<web::Bytes, std::io::Error>(std::io::Error::other(
            "sandbox: connection closed on purpose (CAST_SANDBOX_FAULTS lost)",
        ))
    }))
}

async fn drain(payload: &mut web::Payload) {
    let mut seen = 0u64;
    while let Some(Ok(bytes)) = payload.next().await {
        seen += bytes.len() as u64;
        if seen > DRAIN_LIMIT {
            break;
        }
    }
}

/// The upload this URL names: unknown → 404, expired → 403 (in that order, as TikTok documents).
async fn find(req: &HttpRequest, state: &SandboxState) -> Result<Publish, UploadError> {
    let query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let not_found = || UploadError::new(StatusCode::NOT_FOUND, "no upload task for this URL");
    let token = get("upload_token").ok_or_else(not_found)?;
    let publish = publishes::by_upload_token(&state.db, token)
        .await?
        .ok_or_else(not_found)?;
    if get("upload_id") != Some(publish.upload_id.as_str()) {
        return Err(not_found());
    }
    if state.now_ms() >= publish.upload_expires_ms {
        return Err(UploadError::new(
            StatusCode::FORBIDDEN,
            "the upload URL has expired: call init again",
        ));
    }
    Ok(publish)
}

async fn receive(
    req: &HttpRequest,
    state: &web::Data<SandboxState>,
    payload: &mut web::Payload,
) -> Result<HttpResponse, UploadError> {
    let mut lost = false;
    match state.faults.take(FaultStep::Chunk, state.now_ms()) {
        None => {}
        Some(FaultAction::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Err(UploadError::new(status, "injected fault"));
        }
        Some(FaultAction::Stall) => return stall(state, payload).await,
        Some(FaultAction::Lost) => lost = true,
    }
    let seen = find(req, state).await?;
    let layout = ChunkLayout {
        video_size: seen.video_size as u64,
        chunk_size: seen.chunk_size as u64,
        total_chunk_count: seen.total_chunk_count as u64,
    };
    let Some(_guard) = state.uploads.claim(&seen.publish_id) else {
        return Err(UploadError::out_of_order(
            seen.received_bytes as u64,
            layout.video_size,
            "another chunk of this upload is still arriving",
        ));
    };
    // Read again under the guard: the chunk that held it may have moved the progress on.
    let publish = publishes::by_id(&state.db, &seen.publish_id)
        .await?
        .unwrap_or(seen);
    let received = publish.received_bytes as u64;
    if publish.state != UPLOADING {
        return Err(UploadError::out_of_order(
            received,
            layout.video_size,
            "the upload is already complete",
        ));
    }
    let content_type = media_type(req)?;
    let (first, last) = chunk_range(req, &layout, received)?;
    write_body(
        &processing::video_path(state, &publish.upload_id),
        first,
        last - first + 1,
        payload,
    )
    .await?;
    let done = last + 1 == layout.video_size;
    let stored = publishes::record_chunk(
        &state.db,
        &publish.publish_id,
        first,
        last + 1,
        content_type,
        done,
        state.now_ms(),
    )
    .await?;
    if !stored {
        return Err(UploadError::out_of_order(
            received,
            layout.video_size,
            "the upload's progress changed meanwhile",
        ));
    }
    state.chunks.send_modify(|n| *n += 1);
    if done {
        processing::schedule(state, &publish);
        tracing::info!(publish_id = %publish.publish_id, bytes = layout.video_size, "sandbox: upload complete");
    }
    if lost {
        tracing::info!(publish_id = %publish.publish_id, "sandbox: chunk stored, answer lost on purpose");
        return Ok(hang_up());
    }
    // TikTok was seen to answer a stored chunk in several ways (contract §6): each in turn.
    let reply = state.pick(
        state.settings.chunk_reply,
        Turn::ChunkReply,
        &[ChunkReply::Documented, ChunkReply::Ok, ChunkReply::Bare],
    );
    let status = match (reply, done) {
        (ChunkReply::Ok, _) => StatusCode::OK,
        (_, true) => StatusCode::CREATED,
        (_, false) => StatusCode::PARTIAL_CONTENT,
    };
    let mut res = HttpResponse::build(status);
    res.insert_header(("x-tt-logid", envelope::log_id()));
    if reply != ChunkReply::Bare {
        res.insert_header((
            CONTENT_RANGE,
            format!("bytes 0-{last}/{}", layout.video_size),
        ));
    }
    Ok(res.finish())
}

fn header(req: &HttpRequest, name: actix_web::http::header::HeaderName) -> Option<&str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn media_type(req: &HttpRequest) -> Result<&'static str, UploadError> {
    let value = header(req, CONTENT_TYPE).unwrap_or("");
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    MEDIA_TYPES
        .into_iter()
        .find(|t| *t == essence)
        .ok_or_else(|| {
            UploadError::bad_request(
                "Content-Type must be video/mp4, video/quicktime or video/webm",
            )
        })
}

/// Parses `bytes {first}-{last}/{total}`.
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let (first, last, total) = (first.parse().ok()?, last.parse().ok()?, total.parse().ok()?);
    (first <= last && last < total).then_some((first, last, total))
}

/// Checks the chunk's headers against the upload: malformed or inconsistent → 400; not the next
/// chunk → 416; a non-final chunk must be exactly `chunk_size` and the last must end the file.
fn chunk_range(
    req: &HttpRequest,
    layout: &ChunkLayout,
    received: u64,
) -> Result<(u64, u64), UploadError> {
    let (first, last, total) = header(req, CONTENT_RANGE)
        .and_then(parse_content_range)
        .ok_or_else(|| {
            UploadError::bad_request("Content-Range must be 'bytes {first}-{last}/{video_size}'")
        })?;
    if total != layout.video_size {
        return Err(UploadError::bad_request(format!(
            "Content-Range's total must be the video_size, {}",
            layout.video_size
        )));
    }
    let length: u64 = header(req, CONTENT_LENGTH)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| UploadError::bad_request("Content-Length is required"))?;
    if length != last - first + 1 {
        return Err(UploadError::bad_request(
            "Content-Length does not match Content-Range",
        ));
    }
    if first != received {
        return Err(UploadError::out_of_order(
            received,
            layout.video_size,
            format!("the next chunk starts at byte {received}"),
        ));
    }
    let expected = layout.index_at(first).map(|i| layout.chunk(i));
    match expected {
        Some((_, end)) if end == last => Ok((first, last)),
        Some((start, end)) => Err(UploadError::bad_request(format!(
            "this chunk must be bytes {start}-{end}: every chunk but the last is exactly chunk_size, and the last ends the file"
        ))),
        None => Err(UploadError::out_of_order(
            received,
            layout.video_size,
            "the upload is already complete",
        )),
    }
}

/// Streams the body into the file at `first`. On any failure the file is cut back to `first`,
/// so a retried chunk starts clean.
async fn write_body(
    path: &Path,
    first: u64,
    length: u64,
    payload: &mut web::Payload,
) -> Result<(), UploadError> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .await?;
    file.set_len(first).await?;
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    out.seek(SeekFrom::Start(first)).await?;
    let mut written = 0u64;
    let mut problem = None;
    while let Some(bytes) = payload.next().await {
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                problem = Some(format!("the body could not be read: {e}"));
                break;
            }
        };
        written += bytes.len() as u64;
        if written > length {
            problem = Some("the body is longer than Content-Length".into());
            break;
        }
        out.write_all(&bytes).await?;
    }
    out.flush().await?;
    if problem.is_none() && written != length {
        problem = Some("Content-Length is not the body's size".into());
    }
    match problem {
        None => Ok(()),
        Some(message) => {
            out.get_ref().set_len(first).await?;
            Err(UploadError::bad_request(message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_parse_strictly() {
        assert_eq!(parse_content_range("bytes 0-99/100"), Some((0, 99, 100)));
        assert_eq!(parse_content_range("bytes 0-100/100"), None);
        assert_eq!(parse_content_range("bytes 5-4/100"), None);
        assert_eq!(parse_content_range("bytes */100"), None);
        assert_eq!(parse_content_range("0-99/100"), None);
        assert_eq!(parse_content_range("bytes 0-99/*"), None);
    }
}
