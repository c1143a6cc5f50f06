//! The session URI (contract sections 5.1 to 5.4): chunk `PUT`s and status probes. Every
//! non-final chunk the same multiple of 256 KiB, `Content-Length`, body and `Content-Range` in
//! agreement, contiguous ranges (anything else stores nothing and gets `308` with the unchanged
//! `Range`), the session's `Content-Type`, and a bearer of the session's channel on every `PUT`.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};

use super::auth;
use super::errors::GoogleError;
use super::media;
use super::receive::{CHUNK_UNIT, drain, write_chunk};
use super::state::YouTubeState;
use super::store::sessions::{self, Session};
use super::store::videos::{self, Video};
use super::videos as resource;
use crate::config::youtube_sandbox::{FaultAction, FaultStep};

/// What `Content-Range` asks.
#[derive(Debug, PartialEq, Eq)]
enum Range {
    /// `bytes */TOTAL`: where does the upload stand.
    Probe { total: u64 },
    /// `bytes FIRST-LAST/TOTAL`, inclusive.
    Bytes { first: u64, last: u64, total: u64 },
}

fn parse_range(value: &str) -> Option<Range> {
    let (range, total) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let total: u64 = total.parse().ok()?;
    if range == "*" {
        return Some(Range::Probe { total });
    }
    let (first, last) = range.split_once('-')?;
    let (first, last): (u64, u64) = (first.parse().ok()?, last.parse().ok()?);
    (first <= last && last < total).then_some(Range::Bytes { first, last, total })
}

fn header(req: &HttpRequest, name: actix_web::http::header::HeaderName) -> Option<&str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// `308 Resume Incomplete`, with `Range` only when something is stored.
fn incomplete(session: &Session, received: u64) -> HttpResponse {
    let mut res = HttpResponse::build(StatusCode::PERMANENT_REDIRECT);
    res.insert_header(("X-GUploader-UploadID", session.upload_id.clone()));
    if received > 0 {
        res.insert_header(("Range", format!("bytes=0-{}", received - 1)));
    }
    res.insert_header((CONTENT_LENGTH, 0)).finish()
}

/// The final answer: 201 the first time, 200 when a probe or a late `PUT` repeats it.
fn finished(
    state: &YouTubeState,
    session: &Session,
    video: &Video,
    first_time: bool,
) -> HttpResponse {
    let parts: Vec<String> = session.part.split(',').map(str::to_string).collect();
    let body = resource::resource(state, video, &parts, true, state.now_ms());
    let status = if first_time {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    HttpResponse::build(status)
        .insert_header(("X-GUploader-UploadID", session.upload_id.clone()))
        .content_type("application/json; charset=UTF-8")
        .body(body.to_string())
}

/// Closes the connection without an answer: a body that fails before its first byte makes
/// actix drop the connection before the status line is written.
fn hang_up() -> HttpResponse {
    HttpResponse::Ok().streaming(futures_util::stream::once(async {
        Err::<web::Bytes, std::io::Error>(std::io::Error::other(
            "youtube sandbox: connection closed on purpose (CAST_SANDBOX_YOUTUBE_FAULTS)",
        ))
    }))
}

pub async fn put(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
    mut payload: web::Payload,
) -> HttpResponse {
    match handle(&req, &state, &mut payload).await {
        Ok(res) => {
            drain(&mut payload).await;
            res
        }
        Err(e) => {
            drain(&mut payload).await;
            e.error_response()
        }
    }
}

async fn find(req: &HttpRequest, state: &YouTubeState) -> Result<Session, GoogleError> {
    let gone = || {
        GoogleError::not_found(
            "notFound",
            "The upload session does not exist or has expired. Start a new upload.",
        )
    };
    let upload_id = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "upload_id")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(gone)?;
    let session = sessions::by_id(&state.db, &upload_id)
        .await?
        .ok_or_else(gone)?;
    if state.now_ms() >= session.expires_ms {
        return Err(gone());
    }
    Ok(session)
}

async fn handle(
    req: &HttpRequest,
    state: &web::Data<YouTubeState>,
    payload: &mut web::Payload,
) -> Result<HttpResponse, GoogleError> {
    let session = find(req, state).await?;
    // Whether the session URI alone authorizes is Unsure (6): the sandbox wants the channel's bearer.
    let caller = auth::caller(state, req).await?;
    if caller.channel_id.as_deref() != Some(session.channel_id.as_str()) {
        return Err(GoogleError::forbidden(
            "The access token is not for the channel that started this upload.",
        ));
    }
    let range = header(req, CONTENT_RANGE)
        .and_then(parse_range)
        .ok_or_else(|| {
            GoogleError::bad_request("badRequest", "Failed to parse Content-Range header.")
        })?;
    let total = u64::try_from(session.total_size).unwrap_or(0);
    let (Range::Probe { total: t } | Range::Bytes { total: t, .. }) = range;
    if t != total {
        return Err(GoogleError::bad_request(
            "badRequest",
            format!("Content-Range's total is {t}, but X-Upload-Content-Length said {total}."),
        ));
    }
    let length: Option<u64> = header(req, CONTENT_LENGTH).and_then(|v| v.parse().ok());
    match range {
        Range::Probe { .. } => probe(state, &session, length).await,
        Range::Bytes { first, last, .. } => {
            chunk(req, state, &session, first, last, length, payload).await
        }
    }
}

async fn completed_video(
    state: &YouTubeState,
    session: &Session,
) -> Result<Option<Video>, GoogleError> {
    match &session.video_id {
        Some(id) => Ok(videos::by_id(&state.db, id).await?),
        None => Ok(None),
    }
}

async fn probe(
    state: &web::Data<YouTubeState>,
    session: &Session,
    length: Option<u64>,
) -> Result<HttpResponse, GoogleError> {
    if let Some(status) = state.faults.status(FaultStep::Probe) {
        return Err(GoogleError::fault(status));
    }
    if length.unwrap_or(0) != 0 {
        return Err(GoogleError::bad_request(
            "badRequest",
            "A status probe (bytes */SIZE) has Content-Length: 0 and no body.",
        ));
    }
    if let Some(video) = completed_video(state, session).await? {
        return Ok(finished(state, session, &video, false));
    }
    if session.total_size == 0 {
        // An empty file: the probe-shaped PUT is its whole upload.
        let Some(_guard) = state.busy.claim(&session.upload_id) else {
            return Ok(incomplete(session, 0));
        };
        let video = media::complete(state, session, None).await?;
        return Ok(finished(state, session, &video, true));
    }
    Ok(incomplete(
        session,
        u64::try_from(session.received).unwrap_or(0),
    ))
}

fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

async fn chunk(
    req: &HttpRequest,
    state: &web::Data<YouTubeState>,
    session: &Session,
    first: u64,
    last: u64,
    length: Option<u64>,
    payload: &mut web::Payload,
) -> Result<HttpResponse, GoogleError> {
    let len = last - first + 1;
    let total = u64::try_from(session.total_size).unwrap_or(0);
    let is_final = last + 1 == total;
    let fault = state.faults.take(FaultStep::Chunk, is_final);
    if let Some(FaultAction::Status(status)) = fault {
        return Err(GoogleError::fault(status));
    }
    if length != Some(len) {
        // The guide's own example has this typo (524888 for 524288): the sandbox catches it.
        return Err(GoogleError::bad_request(
            "badRequest",
            format!("Content-Length must equal the Content-Range's size, {len} bytes."),
        ));
    }
    if media_type(header(req, CONTENT_TYPE).unwrap_or("")) != media_type(&session.content_type) {
        return Err(GoogleError::bad_request(
            "badContent",
            format!(
                "Each chunk's Content-Type must be the X-Upload-Content-Type, {}.",
                session.content_type
            ),
        ));
    }
    if let Some(video) = completed_video(state, session).await? {
        return Ok(finished(state, session, &video, false));
    }
    if !is_final {
        if !len.is_multiple_of(CHUNK_UNIT) {
            return Err(GoogleError::bad_request(
                "badRequest",
                "The number of bytes uploaded is required to be equal or greater than 262144, except for the final request (it's recommended to be the exact multiple of 262144).",
            ));
        }
        if let Some(size) = session
            .chunk_size
            .filter(|s| u64::try_from(*s).ok() != Some(len))
        {
            return Err(GoogleError::bad_request(
                "badRequest",
                format!(
                    "Every chunk but the last must be the same size: this upload's chunks are {size} bytes."
                ),
            ));
        }
    }
    let Some(_guard) = state.busy.claim(&session.upload_id) else {
        return Ok(incomplete(
            session,
            u64::try_from(session.received).unwrap_or(0),
        ));
    };
    // Read again under the guard: a chunk that held it may have moved the session on.
    let session = sessions::by_id(&state.db, &session.upload_id)
        .await?
        .unwrap_or_else(|| session.clone());
    let received = u64::try_from(session.received).unwrap_or(0);
    if first != received {
        // "None of the remaining binary content will be uploaded" (contract 5.1, rule 3).
        return Ok(incomplete(&session, received));
    }
    let keep = match fault {
        Some(FaultAction::Drop) => Some((len / 2) - (len / 2) % CHUNK_UNIT),
        _ => None,
    };
    let hash = state.hashes.at(&session.upload_id, first);
    let path = state.video_path(&session.upload_id);
    let written = write_chunk(&path, first, len, keep, hash, payload).await?;
    let to = first + written.kept;
    let chunk_size =
        (!is_final && written.kept == len).then(|| i64::try_from(len).unwrap_or(i64::MAX));
    let from_i = i64::try_from(first).unwrap_or(i64::MAX);
    let to_i = i64::try_from(to).unwrap_or(i64::MAX);
    if !sessions::advance(&state.db, &session.upload_id, from_i, to_i, chunk_size).await? {
        return Ok(incomplete(&session, received));
    }
    state.hashes.set(&session.upload_id, to, written.hash);
    let session = Session {
        received: to_i,
        ..session
    };
    if fault == Some(FaultAction::Drop) {
        tracing::info!(
            kept = written.kept,
            of = len,
            "youtube sandbox: chunk dropped on purpose"
        );
        return Ok(hang_up());
    }
    if to < total || written.cut {
        return Ok(incomplete(&session, to));
    }
    let video = media::complete(state, &session, state.hashes.take(&session.upload_id, to)).await?;
    if fault == Some(FaultAction::Lost) {
        tracing::info!(video_id = %video.id, "youtube sandbox: final answer lost on purpose");
        return Ok(hang_up());
    }
    Ok(finished(state, &session, &video, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_parse_strictly() {
        assert_eq!(
            parse_range("bytes 0-99/100"),
            Some(Range::Bytes {
                first: 0,
                last: 99,
                total: 100
            })
        );
        assert_eq!(
            parse_range("bytes */100"),
            Some(Range::Probe { total: 100 })
        );
        assert_eq!(parse_range("bytes 0-100/100"), None);
        assert_eq!(parse_range("bytes 5-4/100"), None);
        assert_eq!(parse_range("bytes 0-99/*"), None);
        assert_eq!(parse_range("0-99/100"), None);
    }
}
