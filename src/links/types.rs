//! What the links module hands out and keeps: links, their states, and the fetch log.

use serde::Serialize;

use super::file::LinkedFile;

/// Why a link was revoked: the first of the events of section 11.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    /// Instagram: the container reached `ERROR`.
    ContainerError,
    /// Instagram: the container reached `EXPIRED`.
    ContainerExpired,
    /// Instagram: `media_publish` returned, success or permanent failure.
    PublishReturned,
    /// TikTok: the publish left `PROCESSING_DOWNLOAD`.
    DownloadDone,
    /// Any platform: a final status.
    FinalStatus,
    Cancelled,
    Deleted,
    /// `PUBLIC_LINK_TTL` passed.
    Expired,
}

impl RevokeReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ContainerError => "container_error",
            Self::ContainerExpired => "container_expired",
            Self::PublishReturned => "publish_returned",
            Self::DownloadDone => "download_done",
            Self::FinalStatus => "final_status",
            Self::Cancelled => "cancelled",
            Self::Deleted => "deleted",
            Self::Expired => "expired",
        }
    }
}

/// A link just made. Its URL holds the token: hand it to the platform and nowhere else.
#[derive(Clone)]
pub struct PublicLink {
    pub id: i64,
    pub(super) url: String,
    /// The token's first 6 characters, for logs and pages.
    pub token_prefix: String,
    pub expires_at_ms: i64,
}

impl PublicLink {
    /// The full URL, token included: only for the platform call.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Debug for PublicLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicLink")
            .field("id", &self.id)
            .field("token_prefix", &self.token_prefix)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkState {
    Live,
    Revoked { at_ms: i64, reason: String },
}

/// A link as the job's page shows it (never the token).
#[derive(Debug, Clone, Serialize)]
pub struct LinkInfo {
    pub id: i64,
    pub job_id: String,
    pub token_prefix: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub sha256: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    #[serde(flatten)]
    pub state: LinkState,
}

/// One request a link answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fetch {
    /// Which of the job's links (video or cover) was asked.
    pub link_id: i64,
    /// Unix seconds, as Cast's other timestamps.
    pub at: i64,
    pub at_ms: i64,
    pub method: String,
    pub range: Option<String>,
    pub status: u16,
    /// Bytes of body actually sent (0 for `HEAD` and 416).
    pub bytes: u64,
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
}

/// "Instagram fetched 212 MB in 6 requests".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FetchSummary {
    pub requests: usize,
    pub bytes: u64,
}

impl FetchSummary {
    pub fn describe(&self, platform: &str) -> String {
        let requests = match self.requests {
            1 => "1 request".to_string(),
            n => format!("{n} requests"),
        };
        format!("{platform} fetched {} in {requests}", megabytes(self.bytes))
    }
}

fn megabytes(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{} kB", bytes.div_ceil(1_000)),
        _ => format!("{} MB", (bytes + 500_000) / 1_000_000),
    }
}

/// A live link, found for one request.
#[derive(Debug, Clone)]
pub struct OpenLink {
    pub id: i64,
    pub job_id: String,
    pub token_prefix: String,
    pub file: LinkedFile,
    pub created_ms: i64,
}

impl OpenLink {
    /// A strong validator: the file's SHA-256, which cannot change while the link lives.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.file.sha256())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchMethod {
    Get,
    Head,
}

impl FetchMethod {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
        }
    }
}

/// What a request asked, as the fetch log keeps it.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    pub method: FetchMethod,
    pub range: Option<String>,
    pub if_range: Option<String>,
    pub user_agent: Option<String>,
    pub client_ip: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_like_a_sentence() {
        let s = FetchSummary {
            requests: 6,
            bytes: 212_300_000,
        };
        assert_eq!(
            s.describe("Instagram"),
            "Instagram fetched 212 MB in 6 requests"
        );
        let one = FetchSummary {
            requests: 1,
            bytes: 13_617,
        };
        assert_eq!(one.describe("TikTok"), "TikTok fetched 14 kB in 1 request");
    }

    #[test]
    fn a_links_debug_output_hides_its_url() {
        let link = PublicLink {
            id: 1,
            url: "https://cast.example/m/SECRETTOKEN/video.mp4".into(),
            token_prefix: "SECRET".into(),
            expires_at_ms: 0,
        };
        assert!(!format!("{link:?}").contains("SECRETTOKEN"));
    }
}
