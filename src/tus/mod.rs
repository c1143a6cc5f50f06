//! Resumable browser uploads over tus 1.0.0 (core + creation, termination, expiration).
//!
//! Written by hand rather than with the `tus-protocol` crate (0.1.0), after reading its source.
//! The crate is careful work (fsync on create and append, per-upload locks, reclamation), but for
//! Cast it loses on the points that matter here:
//! - a PATCH body without `Content-Length` (chunked transfer, which a tunnel or proxy in front of
//!   Cast may produce) is buffered in memory to learn its size, up to an intake cap (8 MiB by
//!   default, 413 beyond it): either memory grows with the chunk or big chunks are refused;
//! - a PATCH interrupted mid-body is truncated back to its starting offset, so every dropped
//!   connection re-sends the whole chunk (up to ~90 MB behind a 100 MB-capped tunnel); Cast keeps
//!   what arrived, recorded at checkpoints;
//! - finished uploads never expire under its reclamation, so finished-but-never-posted videos
//!   would need Cast's own cleanup anyway;
//! - the adapter would be bigger than this module: a `spawn_local` pump and channel for actix's
//!   `!Send` payload into its `Send` body stream, http 0.2 ↔ 1 header maps both ways, and either
//!   JSON state files beside SQLite or an `async_trait` `StateStore` over `tus_uploads`.
//!
//! This module knows nothing of actix: `store` owns the table and the files, `BrowserUploads` is
//! what the rest of Cast calls, and the rules below turn header values into typed inputs.
//! `web::handlers::tus` is the one small adapter.

mod browser_uploads;
pub mod store;

use std::collections::HashMap;

use crate::disk::DiskFull;
use crate::slow_body::{BodyError, Stalled};

pub use browser_uploads::BrowserUploads;

pub const VERSION: &str = "1.0.0";
pub const EXTENSIONS: &str = "creation,termination,expiration";
/// The only body type a PATCH may carry (tus core).
pub const PATCH_CONTENT_TYPE: &str = "application/offset+octet-stream";

#[derive(Debug, thiserror::Error)]
pub enum TusError {
    #[error("This client does not speak tus 1.0.0.")]
    Version,
    #[error("A PATCH must be sent as application/offset+octet-stream.")]
    ContentType,
    #[error("This upload does not exist, or was finished or deleted.")]
    NotFound,
    #[error("This upload expired. Pick the video again to start over.")]
    Expired,
    #[error(
        "The upload is at byte {expected}, not {given}: ask for its offset (HEAD) and continue from there."
    )]
    OffsetMismatch { expected: u64, given: u64 },
    #[error("The video is {length} bytes; Cast takes at most {max}.")]
    TooLarge { length: u64, max: u64 },
    #[error("More bytes arrived than the upload's declared length.")]
    PastLength,
    #[error("Another request is writing to this upload right now.")]
    Busy,
    #[error(
        "Cast is already holding {max} unfinished uploads, the most it keeps at once. Post or cancel one of them, or wait until an abandoned one expires, then pick the video again."
    )]
    TooManyUnfinished { max: u32 },
    #[error(
        "Unfinished uploads would take more than {max_mb} MB together, the most Cast keeps at once. Post or cancel one of them, then pick the video again."
    )]
    UnfinishedTooLarge { max_mb: u64 },
    #[error(transparent)]
    DiskFull(#[from] DiskFull),
    #[error(transparent)]
    Stalled(#[from] Stalled),
    #[error("{0}")]
    BadRequest(String),
    #[error("storage error: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

/// `Tus-Resumable` must name the version we speak on every request but OPTIONS.
pub fn check_version(header: Option<&str>) -> Result<(), TusError> {
    match header {
        Some(v) if v.trim() == VERSION => Ok(()),
        _ => Err(TusError::Version),
    }
}

/// `Upload-Length` on creation: required (no deferred lengths) and checked against the limit
/// here, so an oversized video is refused before a byte of it is stored.
pub fn upload_length(header: Option<&str>, max: u64) -> Result<u64, TusError> {
    let length = header
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            TusError::BadRequest(
                "Upload-Length is required (this server does not defer lengths).".into(),
            )
        })?;
    if length > max {
        return Err(TusError::TooLarge { length, max });
    }
    // A video cannot be empty, and a zero-length upload would be "finished" with nothing in it.
    if length == 0 {
        return Err(TusError::BadRequest("The video is empty.".into()));
    }
    Ok(length)
}

/// A PATCH body stopping halfway is the client's problem to resume; a stalled one was cut off.
impl<E: std::fmt::Display> From<BodyError<E>> for TusError {
    fn from(e: BodyError<E>) -> Self {
        match e {
            BodyError::Stalled(s) => Self::Stalled(s),
            BodyError::Read(e) => Self::BadRequest(format!("the upload was interrupted: {e}")),
        }
    }
}

/// The PATCH preconditions that need no storage: the body type, and where the client says it is.
pub fn patch_offset(content_type: Option<&str>, offset: Option<&str>) -> Result<u64, TusError> {
    // Parameters are not part of tus's media type; compare the type itself.
    let media_type = content_type
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if media_type != Some(PATCH_CONTENT_TYPE) {
        return Err(TusError::ContentType);
    }
    offset
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| TusError::BadRequest("Upload-Offset is required.".into()))
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs (the value may be absent).
pub fn parse_metadata(header: &str) -> Result<HashMap<String, String>, TusError> {
    use base64::Engine as _;
    let mut out = HashMap::new();
    for pair in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.splitn(2, ' ');
        let key = parts.next().unwrap_or_default().to_string();
        let value = match parts.next() {
            Some(v) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .map_err(|_| {
                        TusError::BadRequest(format!(
                            "Upload-Metadata value for '{key}' is not base64."
                        ))
                    })?;
                String::from_utf8_lossy(&bytes).into_owned()
            }
            None => String::new(),
        };
        if key.is_empty() || key.contains(' ') {
            return Err(TusError::BadRequest(
                "Upload-Metadata has an empty or invalid key.".into(),
            ));
        }
        out.insert(key, value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_pairs_decode() {
        let m = parse_metadata("filename dmlkZW8ubXA0,filetype dmlkZW8vbXA0,is_confidential")
            .expect("valid");
        assert_eq!(m["filename"], "video.mp4");
        assert_eq!(m["filetype"], "video/mp4");
        assert_eq!(m["is_confidential"], "");
        assert!(parse_metadata("filename ***").is_err());
        assert!(parse_metadata("").expect("empty is fine").is_empty());
    }

    #[test]
    fn only_tus_1_0_0_is_spoken() {
        assert!(check_version(Some("1.0.0")).is_ok());
        assert!(matches!(
            check_version(Some("0.2.2")),
            Err(TusError::Version)
        ));
        assert!(matches!(check_version(None), Err(TusError::Version)));
    }

    #[test]
    fn the_length_is_required_non_empty_and_within_the_limit() {
        assert_eq!(upload_length(Some("100"), 100).expect("at the limit"), 100);
        assert!(matches!(
            upload_length(Some("101"), 100),
            Err(TusError::TooLarge {
                length: 101,
                max: 100
            })
        ));
        assert!(matches!(
            upload_length(None, 100),
            Err(TusError::BadRequest(_))
        ));
        assert!(matches!(
            upload_length(Some("0"), 100),
            Err(TusError::BadRequest(_))
        ));
        assert!(matches!(
            upload_length(Some("-1"), 100),
            Err(TusError::BadRequest(_))
        ));
    }

    #[test]
    fn a_patch_needs_the_tus_body_type_and_an_offset() {
        assert_eq!(
            patch_offset(Some(PATCH_CONTENT_TYPE), Some("42")).expect("ok"),
            42
        );
        assert!(matches!(
            patch_offset(Some("application/octet-stream"), Some("0")),
            Err(TusError::ContentType)
        ));
        assert!(matches!(
            patch_offset(None, Some("0")),
            Err(TusError::ContentType)
        ));
        assert!(matches!(
            patch_offset(Some(PATCH_CONTENT_TYPE), None),
            Err(TusError::BadRequest(_))
        ));
    }
}
