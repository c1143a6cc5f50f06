//! What the sandbox makes of a completed upload (contract section 12, "Processing"): the file's
//! SHA-256, YouTube's verdict on it (judged with Cast's own probe, so both always agree), and
//! whether it would be a Short. Decided once, when the last byte arrives; `videos.list` reveals
//! it after the processing delay, so no timer is needed and a restart loses nothing.

use std::path::Path;

use actix_web::web;
use sha2::{Digest as _, Sha256};

use super::errors::GoogleError;
use super::receive::sha256_file;
use super::state::YouTubeState;
use super::store::sessions::{self, Session};
use super::store::videos::{self, Video};
use crate::crypto::random_token;
use crate::media::VideoInfo;
use crate::media::probe::{self, ProbeError};

const MIN_BYTES: u64 = 1024;
const SHORT_MAX_MS: u64 = 180_000;

struct Judged {
    sha256: String,
    verdict: &'static str,
    info: Option<VideoInfo>,
}

/// `failureReason` for a file YouTube cannot use, or "" when it is a video.
fn verdict(path: &Path, size: u64) -> (&'static str, Option<VideoInfo>) {
    if size == 0 {
        return ("emptyFile", None);
    }
    if size < MIN_BYTES {
        return ("tooSmall", None);
    }
    match probe::probe(path) {
        Ok(info) => ("", Some(info)),
        Err(ProbeError::Truncated) => ("conversion", None),
        Err(ProbeError::Io(e)) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
            tracing::error!(error = %e, "youtube sandbox: cannot read a received video");
            ("uploadAborted", None)
        }
        Err(_) => ("invalidFile", None),
    }
}

fn judge(path: &Path, size: u64, hash: Option<Sha256>) -> std::io::Result<Judged> {
    if size == 0 && !path.exists() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::File::create(path)?;
    }
    let hash = match hash {
        Some(h) => h,
        None => sha256_file(path)?,
    };
    let (verdict, info) = verdict(path, size);
    Ok(Judged {
        sha256: hex::encode(hash.finalize()),
        verdict,
        info,
    })
}

/// The Short verdict of contract 4.3, at its strictest: at most 180 s, height at least width.
fn short(info: Option<&VideoInfo>) -> (bool, Option<String>) {
    let Some(info) = info else {
        return (false, Some("not a readable video".into()));
    };
    let mut why = Vec::new();
    if info.duration_ms > SHORT_MAX_MS {
        why.push(format!("{} ms is longer than 180 s", info.duration_ms));
    }
    if info.height < info.width {
        why.push(format!("{}x{} is landscape", info.width, info.height));
    }
    if why.is_empty() {
        (true, None)
    } else {
        (false, Some(why.join("; ")))
    }
}

/// An 11-character video id, as YouTube's look.
fn new_video_id() -> String {
    random_token(9).chars().take(11).collect()
}

/// Turns a fully received session into its video, once.
pub async fn complete(
    state: &YouTubeState,
    session: &Session,
    hash: Option<Sha256>,
) -> Result<Video, GoogleError> {
    let path = state.video_path(&session.upload_id);
    let size = u64::try_from(session.total_size).unwrap_or(0);
    let judged = web::block(move || judge(&path, size, hash))
        .await
        .map_err(GoogleError::internal)??;
    let rejection = if judged.verdict.is_empty()
        && videos::has_original(&state.db, &session.channel_id, &judged.sha256).await?
    {
        Some("duplicate".to_string())
    } else {
        None
    };
    let (is_short, short_reason) = short(judged.info.as_ref());
    let info = judged.info.as_ref();
    let video = Video {
        id: new_video_id(),
        channel_id: session.channel_id.clone(),
        upload_id: session.upload_id.clone(),
        size: session.total_size,
        sha256: judged.sha256,
        content_type: session.content_type.clone(),
        resource: session.resource.clone(),
        notify: session.notify,
        verdict: judged.verdict.to_string(),
        rejection,
        duration_ms: info.and_then(|i| i64::try_from(i.duration_ms).ok()),
        width: info.map(|i| i64::from(i.width)),
        height: info.map(|i| i64::from(i.height)),
        short: is_short,
        short_reason,
        sessions: sessions::for_upload(&state.db, session).await?,
        thumbnail: false,
        received_ms: state.now_ms(),
    };
    videos::insert(&state.db, &video).await?;
    sessions::set_video(&state.db, &session.upload_id, &video.id).await?;
    tracing::info!(video_id = %video.id, channel = %video.channel_id, bytes = video.size, verdict = %video.verdict, "youtube sandbox: upload complete");
    Ok(video)
}
