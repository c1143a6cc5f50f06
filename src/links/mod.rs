//! Public media links (instagram-api.md section 11): one job's file, served for a short time at
//! `{BASE_URL}/m/{token}/{name}`, for platforms that fetch media themselves (Instagram's video
//! and cover, TikTok's `PULL_FROM_URL` and photo posts).
//!
//! A link is made just before the platform call that needs it and revoked at the first of: the
//! platform being done with it (the caller says which event, `RevokeReason`), the job being
//! cancelled or deleted, or `PUBLIC_LINK_TTL`. The token is 256 random bits, stored hashed; a
//! revoked link forgets its hash, so a revoked token and a guessed one take the same path to the
//! same empty 404. Every request a link answers is recorded with its job (`fetches`).
//!
//! Knows nothing of HTTP frameworks: the handler asks `open`, `answer` and `record`, and streams.

mod file;
mod meter;
pub mod range;
pub mod settings;
mod store;

use std::sync::Arc;

use serde::Serialize;
use sqlx::SqlitePool;

use crate::clock::Clock;
use crate::crypto::{constant_time_eq, hash_token, random_token};
pub use file::{CONTENT_TYPES, LinkName, LinkedFile};
use meter::Meters;
pub use meter::{Meter, Metered};
pub use range::Answer;
pub use settings::LinkSettings;

/// Every link lives under this path, so one TikTok URL-prefix property covers them all.
pub const PREFIX: &str = "/m/";

/// Cast's robots.txt: fetchers that honour it (Meta's `facebookexternalhit`) may read links,
/// and nothing else of Cast is for crawlers.
pub const ROBOTS_TXT: &str = "User-agent: *\nAllow: /m/\nDisallow: /\n";

/// Verification files are a few bytes; this is far above any seen and far below harm.
pub const MAX_VERIFICATION_FILE: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(
        "a link cannot announce '{0}': it serves video/mp4, video/quicktime or image/jpeg only"
    )]
    ContentType(String),
    #[error("a link needs the file's SHA-256 as 64 hex digits")]
    Sha256,
    #[error("a link needs the id of the job it serves")]
    NoJob,
    #[error(
        "'{0}' cannot be a verification file's name: use the name the platform gave, letters, digits, '.', '_' and '-' only (for example tiktokAbC123.txt)"
    )]
    VerificationName(String),
    #[error("the verification file is {size} bytes; at most {max} are accepted")]
    VerificationTooLarge { size: usize, max: usize },
    #[error("cannot read the file to link: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

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
    url: String,
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

#[derive(Clone)]
pub struct Links {
    db: SqlitePool,
    clock: Clock,
    settings: LinkSettings,
    /// `BASE_URL` without a trailing slash.
    base_url: String,
    meters: Arc<Meters>,
}

impl Links {
    pub fn new(db: SqlitePool, clock: Clock, base_url: &str, settings: LinkSettings) -> Self {
        Self {
            db,
            clock,
            settings,
            base_url: base_url.trim_end_matches('/').to_string(),
            meters: Arc::default(),
        }
    }

    pub fn settings(&self) -> &LinkSettings {
        &self.settings
    }

    /// Makes a link to `file` for `job_id`, live for `PUBLIC_LINK_TTL` from now.
    pub async fn create(
        &self,
        job_id: &str,
        name: LinkName,
        file: &LinkedFile,
    ) -> Result<PublicLink, LinkError> {
        if job_id.trim().is_empty() {
            return Err(LinkError::NoJob);
        }
        let token = random_token(32);
        let prefix = &token[..6];
        let now = self.clock.now_ms();
        let ttl = i64::try_from(self.settings.ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let expires_ms = now.saturating_add(ttl);
        let name = name.as_string();
        let id = store::insert_link(
            &self.db,
            &store::NewLink {
                token_hash: &hash_token(&token),
                token_prefix: prefix,
                job_id,
                name: &name,
                path: &file.path().to_string_lossy(),
                size: i64::try_from(file.size()).unwrap_or(i64::MAX),
                content_type: file.content_type(),
                sha256: file.sha256(),
                created_ms: now,
                expires_ms,
            },
        )
        .await?;
        tracing::info!(link = id, job_id, token = prefix, "public link made");
        Ok(PublicLink {
            id,
            url: format!("{}{PREFIX}{token}/{name}", self.base_url),
            token_prefix: prefix.to_string(),
            expires_at_ms: expires_ms,
        })
    }

    /// Revokes one link; false when it was already revoked.
    pub async fn revoke(&self, link_id: i64, reason: RevokeReason) -> Result<bool, LinkError> {
        let done = store::revoke(&self.db, link_id, self.clock.now_ms(), reason.as_str()).await?;
        if done {
            tracing::info!(
                link = link_id,
                reason = reason.as_str(),
                "public link revoked"
            );
        }
        Ok(done)
    }

    /// Revokes every live link of a job; returns how many there were.
    pub async fn revoke_job(&self, job_id: &str, reason: RevokeReason) -> Result<u64, LinkError> {
        let n = store::revoke_job(&self.db, job_id, self.clock.now_ms(), reason.as_str()).await?;
        if n > 0 {
            tracing::info!(
                job_id,
                links = n,
                reason = reason.as_str(),
                "public links revoked"
            );
        }
        Ok(n)
    }

    /// Records links past their lifetime as revoked (for housekeeping); they already answer 404.
    pub async fn sweep_expired(&self) -> Result<u64, LinkError> {
        Ok(store::sweep_expired(&self.db, self.clock.now_ms()).await?)
    }

    /// Whether any link of the job ran out its lifetime before the platform was done: the job
    /// then fails with "the platform did not fetch the video in time".
    pub async fn expired_unused(&self, job_id: &str) -> Result<bool, LinkError> {
        Ok(self
            .links(job_id)
            .await?
            .iter()
            .any(|l| matches!(&l.state, LinkState::Revoked { reason, .. } if reason == "expired")))
    }

    pub async fn links(&self, job_id: &str) -> Result<Vec<LinkInfo>, LinkError> {
        let now = self.clock.now_ms();
        Ok(store::of_job(&self.db, job_id)
            .await?
            .into_iter()
            .map(|row| {
                let state = match (row.revoked_ms, row.revoked_reason) {
                    (Some(at_ms), reason) => LinkState::Revoked {
                        at_ms,
                        reason: reason.unwrap_or_default(),
                    },
                    // Past its lifetime but not swept yet: it already answers 404.
                    (None, _) if row.expires_ms <= now => LinkState::Revoked {
                        at_ms: row.expires_ms,
                        reason: RevokeReason::Expired.as_str().into(),
                    },
                    (None, _) => LinkState::Live,
                };
                LinkInfo {
                    id: row.id,
                    job_id: row.job_id,
                    token_prefix: row.token_prefix,
                    name: row.name,
                    size: u64::try_from(row.size).unwrap_or(0),
                    content_type: row.content_type,
                    sha256: row.sha256,
                    created_at_ms: row.created_ms,
                    expires_at_ms: row.expires_ms,
                    state,
                }
            })
            .collect())
    }

    /// Every request the job's links answered, oldest first, with the bytes sent so far.
    pub async fn fetches(&self, job_id: &str) -> Result<Vec<Fetch>, LinkError> {
        Ok(store::fetches_of_job(&self.db, job_id)
            .await?
            .into_iter()
            .map(|row| Fetch {
                link_id: row.link_id,
                at: row.at_ms.div_euclid(1000),
                at_ms: row.at_ms,
                method: row.method,
                range: row.range,
                status: u16::try_from(row.status).unwrap_or(0),
                bytes: self
                    .meters
                    .live(row.id)
                    .unwrap_or_else(|| u64::try_from(row.bytes).unwrap_or(0)),
                user_agent: row.user_agent,
                client_ip: row.client_ip,
            })
            .collect())
    }

    pub async fn summary(&self, job_id: &str) -> Result<FetchSummary, LinkError> {
        let fetches = self.fetches(job_id).await?;
        Ok(FetchSummary {
            requests: fetches.len(),
            bytes: fetches.iter().map(|f| f.bytes).sum(),
        })
    }

    /// The live link behind `token`, if any. Every token takes the same path: one indexed
    /// lookup by its hash, which a revoked or expired link cannot match.
    pub async fn open(&self, token: &str) -> Result<Option<OpenLink>, LinkError> {
        let hash = hash_token(token);
        let Some(row) = store::live_by_hash(&self.db, &hash, self.clock.now_ms()).await? else {
            return Ok(None);
        };
        if !row
            .token_hash
            .as_deref()
            .is_some_and(|stored| constant_time_eq(stored, &hash))
        {
            return Ok(None);
        }
        let size = u64::try_from(row.size).unwrap_or(0);
        let file = LinkedFile::new(row.path, size, &row.content_type, &row.sha256)?;
        Ok(Some(OpenLink {
            id: row.id,
            job_id: row.job_id,
            token_prefix: row.token_prefix,
            file,
            created_ms: row.created_ms,
        }))
    }

    /// Which bytes this request gets.
    pub fn answer(&self, link: &OpenLink, req: &FetchRequest) -> Answer {
        range::answer(
            req.range.as_deref(),
            req.if_range.as_deref(),
            link.file.size(),
            &link.etag(),
        )
    }

    /// Writes the request to the job's fetch log; the returned meter counts the body as it goes
    /// out and records the total when dropped.
    pub async fn record(
        &self,
        link: &OpenLink,
        req: &FetchRequest,
        status: u16,
    ) -> Result<Meter, LinkError> {
        let id = store::insert_fetch(
            &self.db,
            &store::NewFetch {
                link_id: link.id,
                job_id: &link.job_id,
                at_ms: self.clock.now_ms(),
                method: req.method.as_str(),
                range: req.range.as_deref(),
                status,
                user_agent: req.user_agent.as_deref(),
                client_ip: req.client_ip.as_deref(),
            },
        )
        .await?;
        Ok(Meter::start(id, self.meters.clone(), self.db.clone()))
    }

    /// Stores a platform's verification file (TikTok's URL-prefix check), served at
    /// `{BASE_URL}/m/{name}`. Uploading a file of the same name replaces it.
    pub async fn save_verification_file(
        &self,
        name: &str,
        contents: &[u8],
    ) -> Result<(), LinkError> {
        let name = verification_name(name)?;
        if contents.len() > MAX_VERIFICATION_FILE {
            return Err(LinkError::VerificationTooLarge {
                size: contents.len(),
                max: MAX_VERIFICATION_FILE,
            });
        }
        store::put_verification_file(&self.db, name, contents, self.clock.now_ms()).await?;
        tracing::info!(name, bytes = contents.len(), "verification file saved");
        Ok(())
    }

    pub async fn verification_file(&self, name: &str) -> Result<Option<Vec<u8>>, LinkError> {
        match verification_name(name) {
            Ok(name) => Ok(store::verification_file(&self.db, name).await?),
            Err(_) => Ok(None),
        }
    }

    /// `(name, size, uploaded_ms)` of each stored verification file.
    pub async fn verification_files(&self) -> Result<Vec<(String, u64, i64)>, LinkError> {
        Ok(store::verification_files(&self.db)
            .await?
            .into_iter()
            .map(|(n, s, at)| (n, u64::try_from(s).unwrap_or(0), at))
            .collect())
    }

    pub async fn delete_verification_file(&self, name: &str) -> Result<bool, LinkError> {
        Ok(store::delete_verification_file(&self.db, name).await?)
    }

    /// The URL a verification file is served at.
    pub fn verification_url(&self, name: &str) -> String {
        format!("{}{PREFIX}{name}", self.base_url)
    }
}

/// One path segment the platform named: letters, digits, `.`, `_`, `-`; not starting with a dot.
fn verification_name(raw: &str) -> Result<&str, LinkError> {
    let name = raw.trim();
    let ok = (1..=128).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(name)
    } else {
        Err(LinkError::VerificationName(raw.to_string()))
    }
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
    fn verification_names_are_one_plain_segment() {
        for ok in ["tiktokAbC123.txt", "google1234.html", "a"] {
            assert!(verification_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".env", "a/b", "../x", "a b", "x%2f", &"a".repeat(129)] {
            assert!(verification_name(bad).is_err(), "{bad}");
        }
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
