//! Resumable browser uploads over tus 1.0.0 (core + creation, termination, expiration).
//!
//! Written by hand rather than with the `tus-protocol` crate (0.1.0): its handlers take a `Send`
//! body stream and http-1 types behind `async_trait` traits, so using it from actix would mean a
//! channel bridge for actix's `!Send` payload, header conversion both ways and adapters for its
//! storage, state and lock traits, all larger than the protocol itself is for these extensions.
//! This module knows nothing of actix; `web::handlers::tus` is the one small adapter.

pub mod store;

use std::collections::HashMap;

pub const VERSION: &str = "1.0.0";
pub const EXTENSIONS: &str = "creation,termination,expiration";

#[derive(Debug, thiserror::Error)]
pub enum TusError {
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
    #[error("{0}")]
    BadRequest(String),
    #[error("storage error: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
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
    }
}
