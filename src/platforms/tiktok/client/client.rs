//! The TikTok client: where TikTok is, who Cast is to it, and one shared HTTP client.

use std::time::Duration;

use url::Url;

use crate::config::{Config, PlatformMode, Secret};

pub const SCOPES: &str = "user.info.basic,video.upload,video.publish";
/// Asked for too when `TIKTOK_LOOKUP_POST_IDS` is on (§7.1): the app must have it in the portal.
pub const VIDEO_LIST_SCOPE: &str = "video.list";
/// The sandbox's built-in app (contract §12): public by design.
pub const SANDBOX_CLIENT_KEY: &str = "cast-sandbox";
pub const SANDBOX_CLIENT_SECRET: &str = "cast-sandbox-secret";

/// How long TikTok may take. Every call is bounded: a stalled answer must not stop the worker.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// A JSON call (token, user, creator info, init, status, video list), start to end.
    pub request: Duration,
    /// How long a chunk `PUT` may go without a byte either way before it is given up.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(15),
            request: Duration::from_secs(30),
            idle: Duration::from_secs(60),
        }
    }
}

/// The slowest upload speed a chunk is given time for: its whole-request bound is `idle` plus
/// its length at this rate, so a stalled connection is cut and a merely slow one is not.
const SLOWEST_BYTES_PER_SEC: u64 = 100_000;

#[derive(Clone)]
pub struct TikTokClient {
    pub(crate) http: reqwest::Client,
    pub(crate) timeouts: Timeouts,
    pub(crate) api_base: Url,
    pub(crate) auth_url: Url,
    pub(crate) client_key: String,
    pub(crate) client_secret: Secret,
    pub(crate) redirect_uri: String,
    /// The comma-separated scopes every authorize request asks for.
    pub(crate) scopes: String,
}

impl std::fmt::Debug for TikTokClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TikTokClient")
            .field("api_base", &self.api_base.as_str())
            .finish_non_exhaustive()
    }
}

impl TikTokClient {
    pub fn from_config(config: &Config) -> Self {
        let (key, secret) = match &config.tiktok.mode {
            PlatformMode::Real(c) => (c.client_key.clone(), c.client_secret.clone()),
            PlatformMode::Emulated(_) => (
                SANDBOX_CLIENT_KEY.to_string(),
                Secret::new(SANDBOX_CLIENT_SECRET),
            ),
        };
        let client = Self::new(
            config.tiktok.api_base.clone(),
            config.tiktok.auth_url.clone(),
            key,
            secret,
            config.redirect_uri(),
        );
        client.with_video_list(config.tiktok.lookup_post_ids)
    }

    /// Adds `video.list` to the scopes asked for (or not): asking for a scope the app lacks
    /// breaks TikTok's consent page, so it is the owner's choice.
    pub fn with_video_list(mut self, on: bool) -> Self {
        self.scopes = if on {
            format!("{SCOPES},{VIDEO_LIST_SCOPE}")
        } else {
            SCOPES.to_string()
        };
        self
    }

    pub fn asks_for_video_list(&self) -> bool {
        self.scopes.split(',').any(|s| s == VIDEO_LIST_SCOPE)
    }

    pub fn new(
        api_base: Url,
        auth_url: Url,
        client_key: String,
        client_secret: Secret,
        redirect_uri: String,
    ) -> Self {
        let timeouts = Timeouts::default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("cast/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeouts.connect)
            .read_timeout(timeouts.idle)
            // Redirects are never followed: a token request must not be bounced anywhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            http,
            timeouts,
            api_base,
            auth_url,
            client_key,
            client_secret,
            redirect_uri,
            scopes: SCOPES.to_string(),
        }
    }

    /// `path` is TikTok's, e.g. `/v2/user/info/`; the base may carry a prefix (the sandbox's mount).
    pub(crate) fn endpoint(&self, path: &str) -> String {
        format!("{}{}", self.api_base.as_str().trim_end_matches('/'), path)
    }

    /// The bound of a chunk `PUT` of `len` bytes (see `SLOWEST_BYTES_PER_SEC`).
    pub(crate) fn chunk_timeout(&self, len: u64) -> Duration {
        self.timeouts.idle + Duration::from_secs(len / SLOWEST_BYTES_PER_SEC)
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    pub fn client_key(&self) -> &str {
        &self.client_key
    }
}
