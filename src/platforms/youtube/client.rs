//! Where Google is, who Cast is to it, and the one HTTP client every YouTube call goes through.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use url::Url;

use super::classify::{Origin, from_response};
use super::error::YouTubeError;
use crate::clock::Clock;
use crate::config::Secret;

/// The three Google hosts, as bases the paths are appended to (contract section 1). Each may
/// carry a path prefix, as the sandbox's do.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `https://accounts.google.com` (the consent page).
    pub auth_base: Url,
    /// `https://oauth2.googleapis.com` (token, revoke).
    pub oauth_base: Url,
    /// `https://www.googleapis.com` (`/youtube/v3` and `/upload/youtube/v3`).
    pub api_base: Url,
}

impl Endpoints {
    pub fn google() -> Self {
        let url = |s: &str| Url::parse(s).unwrap_or_else(|_| unreachable!("a constant URL"));
        Self {
            auth_base: url("https://accounts.google.com"),
            oauth_base: url("https://oauth2.googleapis.com"),
            api_base: url("https://www.googleapis.com"),
        }
    }
}

/// The owner's OAuth client (Google Cloud Console → Clients), or the sandbox's built-in one.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
    /// `{BASE_URL}/auth/youtube/callback`, exactly as registered.
    pub redirect_uri: String,
}

/// Bounds on every outbound call, so a stalled Google blocks nothing for ever.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// Any call that is not a chunk: OAuth, channels, videos.list, the initiation, a probe.
    pub request: Duration,
    /// A chunk `PUT` may take `request` plus its size at this rate (bytes per second), so a
    /// 16 MiB chunk over a slow uplink is not cut off, yet a dead one does not hang.
    pub min_upload_rate: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(15),
            request: Duration::from_secs(30),
            min_upload_rate: 64 * 1024,
        }
    }
}

impl Timeouts {
    pub(crate) fn for_upload(&self, bytes: u64) -> Duration {
        self.request + Duration::from_secs(bytes / self.min_upload_rate.max(1))
    }
}

/// YouTube Data API v3 and Google OAuth, as Cast uses them. Knows no actix and no SQL; time is
/// read from the `Clock` (for quota resets and token expiry instants).
#[derive(Clone)]
pub struct YouTubeClient {
    pub(crate) http: reqwest::Client,
    pub(crate) endpoints: Endpoints,
    pub(crate) credentials: Credentials,
    pub(crate) timeouts: Timeouts,
    pub(crate) clock: Clock,
}

impl std::fmt::Debug for YouTubeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YouTubeClient")
            .field("api_base", &self.endpoints.api_base.as_str())
            .finish_non_exhaustive()
    }
}

impl YouTubeClient {
    pub fn new(endpoints: Endpoints, credentials: Credentials, clock: Clock) -> Self {
        Self::with_timeouts(endpoints, credentials, clock, Timeouts::default())
    }

    pub fn with_timeouts(
        endpoints: Endpoints,
        credentials: Credentials,
        clock: Clock,
        timeouts: Timeouts,
    ) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!("cast/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeouts.connect)
            // Never follow redirects: a token request must not be bounced elsewhere, and the
            // upload server's 308 means "Resume Incomplete", not "go there".
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            http,
            endpoints,
            credentials,
            timeouts,
            clock,
        }
    }

    pub fn redirect_uri(&self) -> &str {
        &self.credentials.redirect_uri
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    fn join(base: &Url, path: &str) -> String {
        format!("{}{path}", base.as_str().trim_end_matches('/'))
    }

    pub(crate) fn auth_endpoint(&self) -> String {
        Self::join(&self.endpoints.auth_base, "/o/oauth2/v2/auth")
    }

    pub(crate) fn oauth_endpoint(&self, path: &str) -> String {
        Self::join(&self.endpoints.oauth_base, path)
    }

    /// `path` below `/youtube/v3`, e.g. `/channels`.
    pub(crate) fn api_endpoint(&self, path: &str) -> String {
        Self::join(&self.endpoints.api_base, &format!("/youtube/v3{path}"))
    }

    /// `path` below `/upload/youtube/v3`, e.g. `/videos`.
    pub(crate) fn upload_endpoint(&self, path: &str) -> String {
        Self::join(
            &self.endpoints.api_base,
            &format!("/upload/youtube/v3{path}"),
        )
    }

    /// A Data API `GET`; any non-2xx answer becomes a classified `YouTubeError`.
    pub(crate) async fn get_json(
        &self,
        access_token: &str,
        url: &str,
        query: &[(&str, &str)],
    ) -> Result<Value, YouTubeError> {
        let res = self
            .http
            .get(url)
            .query(query)
            .bearer_auth(access_token)
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
        parse_json(&headers, &body)
    }
}

/// A success body as JSON; one that is not JSON is retryable (a proxy's page, a cut answer).
pub(crate) fn parse_json(
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> Result<Value, YouTubeError> {
    serde_json::from_slice(body).map_err(|e| {
        let kind = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no content type");
        YouTubeError::retryable(
            "unreadable",
            format!("YouTube's answer was not JSON ({kind}): {e}"),
        )
    })
}
