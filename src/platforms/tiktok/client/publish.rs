//! Content Posting: init (direct post and inbox, contract §5), chunk `PUT`s (§6) and status (§7).
//!
//! The upload URL is a bearer credential (its query carries TikTok's upload token): it is never
//! logged, never put in an error message, and `Debug` on `Init` hides it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::TikTokClient;
use super::envelope;
use super::error::TikTokError;
use super::post_id;
use super::privacy::PrivacyLevel;

/// `post_info` of a direct post, as TikTok spells it.
#[derive(Debug, Clone, Serialize)]
pub struct PostInfo {
    pub privacy_level: PrivacyLevel,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    pub disable_comment: bool,
    pub disable_duet: bool,
    pub disable_stitch: bool,
    /// Marked required in TikTok's table, so it is always sent.
    pub brand_content_toggle: bool,
    pub brand_organic_toggle: bool,
    pub is_aigc: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_cover_timestamp_ms: Option<u64>,
}

/// `source_info` for FILE_UPLOAD: what the chunk plan declares.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FileSource {
    pub video_size: u64,
    pub chunk_size: u64,
    pub total_chunk_count: u32,
}

#[derive(Serialize)]
struct SourceInfo {
    source: &'static str,
    #[serde(flatten)]
    file: FileSource,
}

impl From<FileSource> for SourceInfo {
    fn from(file: FileSource) -> Self {
        Self {
            source: "FILE_UPLOAD",
            file,
        }
    }
}

/// What init hands back.
#[derive(Clone, Deserialize)]
pub struct Init {
    pub publish_id: String,
    #[serde(default)]
    pub upload_url: String,
}

impl std::fmt::Debug for Init {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Init")
            .field("publish_id", &self.publish_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    ProcessingUpload,
    ProcessingDownload,
    SendToUserInbox,
    PublishComplete,
    Failed,
    /// A status Cast does not know yet: treated as still processing (the tolerant reading).
    Other(String),
}

impl Status {
    fn parse(s: &str) -> Self {
        match s {
            "PROCESSING_UPLOAD" => Self::ProcessingUpload,
            "PROCESSING_DOWNLOAD" => Self::ProcessingDownload,
            "SEND_TO_USER_INBOX" => Self::SendToUserInbox,
            "PUBLISH_COMPLETE" => Self::PublishComplete,
            "FAILED" => Self::Failed,
            other => Self::Other(other.to_string()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PublishStatus {
    pub status: Status,
    pub fail_reason: Option<String>,
    /// TikTok's ids as strings of digits, whatever form they came in (see `post_id`).
    pub post_ids: Vec<String>,
    pub uploaded_bytes: Option<u64>,
}

impl PublishStatus {
    /// Reads `data` field by field: a field of an unexpected type is taken as absent rather
    /// than making the whole answer unreadable (after the last chunk, an answer Cast cannot
    /// read must never end a job).
    pub fn from_data(data: &Value) -> Self {
        let text = |key: &str| {
            data.get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let uploaded_bytes = match data.get("uploaded_bytes") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        Self {
            status: Status::parse(text("status").as_deref().unwrap_or("")),
            fail_reason: text("fail_reason"),
            // TikTok's spelling.
            post_ids: post_id::parse_ids(data.get("publicaly_available_post_id")),
            uploaded_bytes,
        }
    }
}

/// One chunk to send: bytes `first..=last` of a `video_size`-byte file.
#[derive(Debug, Clone, Copy)]
pub struct ChunkRange {
    pub first: u64,
    pub last: u64,
    pub video_size: u64,
}

/// A chunk TikTok took: `received` bytes from the start are now stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkAck {
    pub received: u64,
    pub complete: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ChunkError {
    /// 403: the URL's hour is over; init again and start over.
    #[error("TikTok's upload link has expired")]
    Expired,
    /// 404: TikTok has no upload for this URL any more; init again.
    #[error("TikTok no longer knows this upload")]
    Unknown,
    /// 416: the chunk is not the one TikTok expects; `received` is TikTok's progress, when it said.
    #[error("TikTok expected another part of the file")]
    OutOfOrder { received: Option<u64> },
    /// 400 and anything else: a request Cast should not have sent.
    #[error("TikTok refused a part of the file (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// 5xx, timeouts, dropped connections: send this chunk again later.
    #[error(transparent)]
    Retryable(TikTokError),
}

impl TikTokClient {
    pub async fn init_direct(
        &self,
        access_token: &str,
        post_info: &PostInfo,
        source: FileSource,
    ) -> Result<Init, TikTokError> {
        let body = serde_json::json!({
            "post_info": post_info,
            "source_info": SourceInfo::from(source),
        });
        self.post_json(access_token, "/v2/post/publish/video/init/", &body)
            .await
    }

    /// The inbox body is `source_info` only: the creator writes the post in the TikTok app.
    pub async fn init_inbox(
        &self,
        access_token: &str,
        source: FileSource,
    ) -> Result<Init, TikTokError> {
        let body = serde_json::json!({ "source_info": SourceInfo::from(source) });
        self.post_json(access_token, "/v2/post/publish/inbox/video/init/", &body)
            .await
    }

    /// PULL_FROM_URL (§15.1): TikTok fetches `video_url` itself, so init hands back no upload
    /// URL. With `post_info` a direct post, without it an inbox upload (which takes none).
    pub async fn init_pull(
        &self,
        access_token: &str,
        post_info: Option<&PostInfo>,
        video_url: &str,
    ) -> Result<Init, TikTokError> {
        let source = serde_json::json!({"source": "PULL_FROM_URL", "video_url": video_url});
        let (path, body) = match post_info {
            Some(info) => (
                "/v2/post/publish/video/init/",
                serde_json::json!({"post_info": info, "source_info": source}),
            ),
            None => (
                "/v2/post/publish/inbox/video/init/",
                serde_json::json!({"source_info": source}),
            ),
        };
        self.post_json(access_token, path, &body).await
    }

    pub async fn fetch_status(
        &self,
        access_token: &str,
        publish_id: &str,
    ) -> Result<PublishStatus, TikTokError> {
        let body = serde_json::json!({ "publish_id": publish_id });
        let data: Value = self
            .post_json(access_token, "/v2/post/publish/status/fetch/", &body)
            .await?;
        Ok(PublishStatus::from_data(&data))
    }

    pub(super) async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        access_token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, TikTokError> {
        let res = self
            .http
            .post(self.endpoint(path))
            .timeout(self.timeouts.request)
            .bearer_auth(access_token)
            .header("Content-Type", "application/json; charset=UTF-8")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| TikTokError::network(&e))?;
        envelope::read(res).await
    }

    /// One chunk `PUT` to the upload URL: no Authorization header; the URL is the credential.
    pub async fn put_chunk(
        &self,
        upload_url: &str,
        content_type: &str,
        range: ChunkRange,
        body: reqwest::Body,
    ) -> Result<ChunkAck, ChunkError> {
        let len = range.last - range.first + 1;
        let res = self
            .http
            .put(upload_url)
            .timeout(self.chunk_timeout(len))
            .header("Content-Type", content_type)
            .header("Content-Length", len)
            .header(
                "Content-Range",
                format!("bytes {}-{}/{}", range.first, range.last, range.video_size),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| ChunkError::Retryable(TikTokError::network(&e)))?;
        let status = res.status().as_u16();
        let received = res
            .headers()
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(received_from_range);
        match status {
            // Any 2xx is "stored" (§6: 200 has been seen beside the documented 206 and 201).
            // TikTok's Content-Range, when sent, is its own count and wins over Cast's; without
            // one Cast trusts its own. It never counts past what Cast sent.
            200..=299 => Ok(ChunkAck {
                received: received.map_or(range.last + 1, |r| r.min(range.last + 1)),
                complete: status == 201,
            }),
            403 => Err(ChunkError::Expired),
            404 => Err(ChunkError::Unknown),
            416 => Err(ChunkError::OutOfOrder { received }),
            s if s >= 500 || s == 429 => {
                let retry_after = envelope::retry_after(res.headers());
                Err(ChunkError::Retryable(
                    TikTokError::new(
                        "internal_error",
                        format!("TikTok could not store a part of the file (HTTP {s})"),
                        Some(s),
                    )
                    .with_retry_after(retry_after),
                ))
            }
            s => {
                let text = res.text().await.unwrap_or_default();
                Err(ChunkError::Refused {
                    status: s,
                    message: text.chars().take(300).collect(),
                })
            }
        }
    }
}

/// `bytes 0-{last}/{size}` → `last + 1` bytes received; `bytes */{size}` → none yet.
fn received_from_range(value: &str) -> Option<u64> {
    let (range, _) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    if range == "*" {
        return Some(0);
    }
    let (first, last) = range.split_once('-')?;
    let (first, last): (u64, u64) = (first.parse().ok()?, last.parse().ok()?);
    (first == 0).then_some(last + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_read_from_content_range() {
        assert_eq!(
            received_from_range("bytes 0-5242879/70000000"),
            Some(5_242_880)
        );
        assert_eq!(received_from_range("bytes */70000000"), Some(0));
        assert_eq!(received_from_range("bytes 10-20/100"), None);
        assert_eq!(received_from_range("garbage"), None);
    }

    #[test]
    fn status_is_read_tolerantly() {
        let data: Value = serde_json::from_str(
            r#"{"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7300000000000000001, "73"]}"#,
        )
        .expect("json");
        let s = PublishStatus::from_data(&data);
        assert_eq!(s.status, Status::PublishComplete);
        assert_eq!(s.post_ids, vec!["7300000000000000001", "73"]);
        let bare = PublishStatus::from_data(&serde_json::json!({
            "status": "PUBLISH_COMPLETE", "publicaly_available_post_id": "7300000000000000001"
        }));
        assert_eq!(bare.post_ids, vec!["7300000000000000001"]);
        let odd = PublishStatus::from_data(&serde_json::json!({"status": "NEW_THING"}));
        assert_eq!(odd.status, Status::Other("NEW_THING".into()));
        // A field of the wrong type is absent, not a reason to drop the answer.
        let weird = PublishStatus::from_data(&serde_json::json!({
            "status": "PROCESSING_UPLOAD", "fail_reason": 3, "uploaded_bytes": "1024"
        }));
        assert_eq!(weird.status, Status::ProcessingUpload);
        assert_eq!(weird.fail_reason, None);
        assert_eq!(weird.uploaded_bytes, Some(1024));
        assert_eq!(
            PublishStatus::from_data(&Value::Null).status,
            Status::Other(String::new())
        );
    }

    #[test]
    fn the_init_debug_output_hides_the_upload_url() {
        let init = Init {
            publish_id: "p1".into(),
            upload_url: "https://upload.example/?upload_token=secret".into(),
        };
        assert!(!format!("{init:?}").contains("secret"));
    }
}
