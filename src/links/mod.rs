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
mod service;
pub mod settings;
mod store;
mod types;
mod verification;

pub use file::{CONTENT_TYPES, LinkName, LinkedFile};
pub use meter::{Meter, Metered};
pub use range::Answer;
pub use service::Links;
pub use settings::LinkSettings;
pub use types::{
    Fetch, FetchMethod, FetchRequest, FetchSummary, LinkInfo, LinkState, OpenLink, PublicLink,
    RevokeReason,
};

/// Every link lives under this path, so one TikTok URL-prefix property covers them all.
pub const PREFIX: &str = crate::config::public_link::PATH_PREFIX;

/// Cast's robots.txt: fetchers that honour it (Meta's `facebookexternalhit`) may read links,
/// and nothing else of Cast is for crawlers.
pub const ROBOTS_TXT: &str = "User-agent: *\nAllow: /m/\nDisallow: /\n";

/// Verification files are a few bytes; this is far above any seen and far below harm.
pub const MAX_VERIFICATION_FILE: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(
        "a link cannot announce '{0}': it serves video/mp4, video/quicktime, image/jpeg or image/webp only"
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
