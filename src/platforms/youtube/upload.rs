//! The resumable upload (contract sections 4 and 5): the initiation, chunk `PUT`s streamed from
//! disk, and the status probe. YouTube's `Range` is the only truth about what arrived: Cast never
//! trusts its own count, probes before it sends anything again, and starts over only when the
//! session itself is gone.
//!
//! How a caller drives it, one call per step, persisting after each:
//! 1. `initiate` → store the `UploadSession` (sealed: its URI is a credential) before sending.
//! 2. `advance(.., Resume::At(0))`, then `Resume::At(confirmed)` after each `Incomplete`.
//! 3. After a restart, or any `Retryable` failure of a chunk (a timeout, a dropped connection,
//!    a 5xx), call `advance(.., Resume::Probe)`: the answer says where to go on from, or that
//!    the upload completed and what the video's id is, so a lost final answer never uploads the
//!    video twice.
//! 4. `RestartSession` (404/410): the session is dead; `initiate` again and send from byte 0.

use std::io::SeekFrom;
use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, HeaderMap, LOCATION, RANGE};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
use tokio_util::io::ReaderStream;

use super::classify::{Origin, from_response, retry_after};
use super::client::YouTubeClient;
use super::error::YouTubeError;
use super::rules::Metadata;
use crate::config::Secret;

/// Every chunk but the last is a multiple of this (contract 5.1).
pub const CHUNK_UNIT: u64 = 262_144;

/// A chunk size YouTube accepts: a positive multiple of 256 KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkSize(u64);

impl ChunkSize {
    /// 16 MiB, Cast's default (`YOUTUBE_CHUNK_SIZE`).
    pub const DEFAULT: Self = Self(16 * 1024 * 1024);

    pub fn new(bytes: u64) -> Result<Self, String> {
        if bytes == 0 || !bytes.is_multiple_of(CHUNK_UNIT) {
            return Err(format!(
                "{bytes} is not a positive multiple of {CHUNK_UNIT} (256 KiB), as YouTube requires"
            ));
        }
        Ok(Self(bytes))
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

/// The session URI from the initiation's `Location`, kept verbatim (its parameters come in no
/// fixed order). It authorizes the upload: store it sealed and never log it whole.
#[derive(Clone)]
pub struct UploadSession {
    uri: Secret,
    upload_id: Option<String>,
}

impl std::fmt::Debug for UploadSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "UploadSession({})", self.log_id())
    }
}

impl UploadSession {
    /// A session read back from storage.
    pub fn from_uri(uri: String) -> Self {
        let upload_id = url::Url::parse(&uri).ok().and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "upload_id")
                .map(|(_, v)| v.into_owned())
        });
        Self {
            uri: Secret::new(uri),
            upload_id,
        }
    }

    /// What to store.
    pub fn uri(&self) -> &str {
        self.uri.expose()
    }

    /// Safe to log: the first characters of the upload id.
    pub fn log_id(&self) -> String {
        let id = self.upload_id.as_deref().unwrap_or("?");
        id.chars().take(8).collect::<String>() + "…"
    }
}

/// The file being sent.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub file: &'a Path,
    pub size: u64,
    /// `video/mp4` or `video/quicktime`: the initiation's `X-Upload-Content-Type` and every chunk's.
    pub content_type: &'a str,
    pub chunk_size: ChunkSize,
}

/// The video YouTube made of the upload, from the final answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedVideo {
    pub id: String,
    pub upload_status: Option<String>,
    pub privacy_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// YouTube holds bytes `0..confirmed`; send from `confirmed` (after `retry_after`, if any).
    Incomplete {
        confirmed: u64,
        retry_after: Option<Duration>,
    },
    Complete(UploadedVideo),
}

/// Where the next step starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Ask YouTube first: after a restart or a chunk whose answer was lost.
    Probe,
    /// Send the chunk starting at this byte, which YouTube confirmed.
    At(u64),
}

impl YouTubeClient {
    /// Opens a resumable session for `metadata` (`part=snippet,status`). Costs the insert's quota.
    pub async fn initiate(
        &self,
        access_token: &str,
        metadata: &Metadata,
        size: u64,
        content_type: &str,
    ) -> Result<UploadSession, YouTubeError> {
        let notify = if metadata.notify_subscribers() {
            "true"
        } else {
            "false"
        };
        let res = self
            .http
            .post(self.upload_endpoint("/videos"))
            .query(&[
                ("uploadType", "resumable"),
                ("part", "snippet,status"),
                ("notifySubscribers", notify),
            ])
            .bearer_auth(access_token)
            .header(CONTENT_TYPE, "application/json; charset=UTF-8")
            .header("X-Upload-Content-Length", size.to_string())
            .header("X-Upload-Content-Type", content_type)
            .body(metadata.resource().to_string())
            .timeout(self.timeouts.request)
            .send()
            .await
            .map_err(YouTubeError::network)?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.bytes().await.map_err(YouTubeError::network)?;
        if !(200..300).contains(&status) {
            return Err(from_response(
                status,
                &headers,
                &body,
                self.now_ms(),
                Origin::Api,
            ));
        }
        let location = headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                YouTubeError::retryable(
                    "no_session_uri",
                    "YouTube accepted the upload but sent no session URI",
                )
            })?;
        let session = UploadSession::from_uri(location.to_string());
        tracing::info!(session = %session.log_id(), size, "YouTube upload session opened");
        Ok(session)
    }

    /// One step of the upload: a probe, or the chunk at the confirmed offset.
    pub async fn advance(
        &self,
        access_token: &str,
        session: &UploadSession,
        upload: &Upload<'_>,
        at: Resume,
    ) -> Result<Progress, YouTubeError> {
        match at {
            Resume::At(offset) if offset < upload.size => {
                self.send_chunk(access_token, session, upload, offset).await
            }
            // Everything was confirmed but no final answer seen: only a probe can tell.
            _ => self.probe(access_token, session, upload.size).await,
        }
    }

    /// Sends the chunk that starts at `offset`, streamed from the file: at most `chunk_size`
    /// bytes, every non-final one the full size.
    pub async fn send_chunk(
        &self,
        access_token: &str,
        session: &UploadSession,
        upload: &Upload<'_>,
        offset: u64,
    ) -> Result<Progress, YouTubeError> {
        let len = upload
            .chunk_size
            .get()
            .min(upload.size.saturating_sub(offset));
        if len == 0 {
            return self.probe(access_token, session, upload.size).await;
        }
        let body = file_body(upload.file, offset, len).await.map_err(|e| {
            YouTubeError::permanent(
                "file_unreadable",
                format!("Cast cannot read the video file: {e}"),
            )
        })?;
        let last = offset + len - 1;
        let res = self
            .http
            .put(session.uri())
            .bearer_auth(access_token)
            .header(CONTENT_TYPE, upload.content_type)
            .header(CONTENT_LENGTH, len)
            .header(
                CONTENT_RANGE,
                format!("bytes {offset}-{last}/{}", upload.size),
            )
            .body(body)
            .timeout(self.timeouts.for_upload(len))
            .send()
            .await
            .map_err(YouTubeError::network)?;
        self.session_answer(res, upload.size).await
    }

    /// The status probe: `Content-Range: bytes */SIZE` with no body.
    pub async fn probe(
        &self,
        access_token: &str,
        session: &UploadSession,
        size: u64,
    ) -> Result<Progress, YouTubeError> {
        let res = self
            .http
            .put(session.uri())
            .bearer_auth(access_token)
            .header(CONTENT_LENGTH, 0)
            .header(CONTENT_RANGE, format!("bytes */{size}"))
            .timeout(self.timeouts.request)
            .send()
            .await
            .map_err(YouTubeError::network)?;
        self.session_answer(res, size).await
    }

    async fn session_answer(
        &self,
        res: reqwest::Response,
        size: u64,
    ) -> Result<Progress, YouTubeError> {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.bytes().await.map_err(YouTubeError::network)?;
        let now = self.now_ms();
        match status {
            StatusCode::PERMANENT_REDIRECT => {
                let confirmed = confirmed_bytes(&headers);
                if confirmed > size {
                    return Err(YouTubeError::permanent(
                        "bad_range",
                        format!("YouTube says it holds {confirmed} bytes of a {size}-byte file"),
                    ));
                }
                Ok(Progress::Incomplete {
                    confirmed,
                    retry_after: retry_after(&headers, now),
                })
            }
            // The guide says 201, summaries say 200; a repeat probe answers 200 (Unsure 7).
            s if s.is_success() => final_answer(&body).map(Progress::Complete),
            s => Err(from_response(
                s.as_u16(),
                &headers,
                &body,
                now,
                Origin::Session,
            )),
        }
    }
}

/// `Range: bytes=0-{last}` → `last + 1`; no `Range` means nothing is stored. Read tolerantly
/// (`0-{last}`, `bytes 0-{last}/*`).
pub fn confirmed_bytes(headers: &HeaderMap) -> u64 {
    let Some(value) = headers.get(RANGE).and_then(|v| v.to_str().ok()) else {
        return 0;
    };
    let value = value.trim();
    let range = value
        .strip_prefix("bytes=")
        .or_else(|| value.strip_prefix("bytes "))
        .unwrap_or(value);
    let range = range.split('/').next().unwrap_or("");
    range
        .split_once('-')
        .and_then(|(_, last)| last.trim().parse::<u64>().ok())
        .map_or(0, |last| last + 1)
}

fn final_answer(body: &[u8]) -> Result<UploadedVideo, YouTubeError> {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let id = v["id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            // Without the id Cast cannot follow the video; a probe repeats the final answer.
            YouTubeError::retryable(
                "unreadable_final_answer",
                "YouTube finished the upload but its answer had no video id; Cast asks again",
            )
        })?;
    let text = |v: &Value| v.as_str().map(str::to_string);
    Ok(UploadedVideo {
        id: id.to_string(),
        upload_status: text(&v["status"]["uploadStatus"]),
        privacy_status: text(&v["status"]["privacyStatus"]),
    })
}

/// Bytes `first..first+len` of the file as a streamed body: never the chunk in memory.
pub(crate) async fn file_body(path: &Path, first: u64, len: u64) -> std::io::Result<reqwest::Body> {
    let mut file = tokio::fs::File::open(path).await?;
    file.seek(SeekFrom::Start(first)).await?;
    let reader = tokio::io::BufReader::with_capacity(256 * 1024, file.take(len));
    Ok(reqwest::Body::wrap_stream(ReaderStream::with_capacity(
        reader,
        256 * 1024,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(v: &str) -> u64 {
        let mut h = HeaderMap::new();
        h.insert(RANGE, v.parse().expect("header"));
        confirmed_bytes(&h)
    }

    #[test]
    fn the_range_header_says_how_much_youtube_holds() {
        assert_eq!(confirmed_bytes(&HeaderMap::new()), 0);
        assert_eq!(range("bytes=0-262143"), 262_144);
        assert_eq!(range("0-9437183"), 9_437_184);
        assert_eq!(range("bytes 0-99/*"), 100);
        assert_eq!(range("nonsense"), 0);
    }

    #[test]
    fn chunk_sizes_are_positive_multiples_of_256_kib() {
        assert!(ChunkSize::new(262_144).is_ok());
        assert!(ChunkSize::new(16_777_216).is_ok());
        assert!(ChunkSize::new(0).is_err());
        assert!(ChunkSize::new(262_145).is_err());
        assert!(ChunkSize::new(100_000).is_err());
    }

    #[test]
    fn a_session_is_logged_by_a_prefix_of_its_id_only() {
        let s = UploadSession::from_uri(
            "https://www.googleapis.com/upload/youtube/v3/videos?part=snippet&uploadType=resumable&upload_id=xa298sd_fSECRET".into(),
        );
        assert_eq!(s.log_id(), "xa298sd_…");
        assert!(!format!("{s:?}").contains("SECRET"));
    }

    #[test]
    fn the_final_answer_needs_a_video_id() {
        let v = final_answer(br#"{"id": "abc", "status": {"uploadStatus": "uploaded"}}"#)
            .expect("video");
        assert_eq!(v.upload_status.as_deref(), Some("uploaded"));
        assert!(final_answer(b"").expect_err("no id").is_retryable());
    }
}
