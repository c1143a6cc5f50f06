//! Google OAuth 2.0 for web server applications (contract sections 2 and 11) through the
//! `oauth2` crate: `access_type=offline`, `prompt=consent`, PKCE S256 with an RFC 7636
//! base64url challenge (Google's reading, unlike TikTok's hex), space-separated scopes, and the
//! client secret in the form body.

use std::sync::Mutex;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse as _,
    TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::classify::{from_oauth, retry_after};
use super::client::YouTubeClient;
use super::error::{ErrorKind, ReconnectReason, YouTubeError};
use crate::config::Secret;

pub const SCOPE_UPLOAD: &str = "https://www.googleapis.com/auth/youtube.upload";
pub const SCOPE_READONLY: &str = "https://www.googleapis.com/auth/youtube.readonly";
/// What Cast asks for, and nothing broader (contract section 11).
pub const SCOPES: [&str; 2] = [SCOPE_UPLOAD, SCOPE_READONLY];

/// Access tokens whose lifetime Google leaves out are taken to last the shortest recorded time.
const DEFAULT_ACCESS_SECS: u64 = 3599;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GoogleExtra {
    /// Read as any JSON value: a number by the docs, but nothing is lost if it comes as a string.
    #[serde(default)]
    pub refresh_token_expires_in: Option<Value>,
}
impl ExtraTokenFields for GoogleExtra {}

type TokenAnswer = StandardTokenResponse<GoogleExtra, BasicTokenType>;
type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Where to send the owner, and the PKCE verifier to keep on the server beside `state`.
pub struct Authorization {
    pub url: String,
    pub pkce_verifier: Secret,
}

/// What a code exchange gives: lasting access to one Google account.
#[derive(Debug, Clone)]
pub struct Grant {
    pub access_token: Secret,
    pub access_expires_at_ms: i64,
    pub refresh_token: Secret,
    /// Set when Google said the refresh token will die (`refresh_token_expires_in`): a consent
    /// screen left in Testing gives 7 days. Pass it back to `refresh`.
    pub refresh_expires_at_ms: Option<i64>,
    pub scopes: Vec<String>,
}

impl Grant {
    /// Scopes Cast needs that the owner unticked on Google's page.
    pub fn missing_scopes(&self) -> Vec<String> {
        missing(&self.scopes)
    }
}

/// What a refresh gives. Google normally sends no new refresh token; when it does, store it
/// with the new access token in one write, and forget the old one.
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub access_token: Secret,
    pub access_expires_at_ms: i64,
    pub new_refresh_token: Option<Secret>,
    pub scopes: Vec<String>,
}

pub fn missing(granted: &[String]) -> Vec<String> {
    SCOPES
        .iter()
        .filter(|s| !granted.iter().any(|g| g == *s))
        .map(|s| s.to_string())
        .collect()
}

/// For a grant that lacks a needed scope: the owner must connect again and tick every box.
pub fn missing_scopes_error(missing: Vec<String>) -> YouTubeError {
    YouTubeError::new(
        ErrorKind::Reconnect(ReconnectReason::MissingScopes(missing.clone())),
        "missing_scopes",
        missing.join(" "),
    )
}

impl YouTubeClient {
    fn oauth(&self) -> Result<OAuthClient, YouTubeError> {
        let bad = |what: &str| {
            YouTubeError::permanent("configuration", format!("the {what} URL is not valid"))
        };
        Ok(
            oauth2::Client::new(ClientId::new(self.credentials.client_id.clone()))
                .set_client_secret(ClientSecret::new(
                    self.credentials.client_secret.expose().to_string(),
                ))
                .set_auth_uri(AuthUrl::new(self.auth_endpoint()).map_err(|_| bad("consent page"))?)
                .set_token_uri(
                    TokenUrl::new(self.oauth_endpoint("/token")).map_err(|_| bad("token"))?,
                )
                .set_redirect_uri(
                    RedirectUrl::new(self.credentials.redirect_uri.clone())
                        .map_err(|_| bad("redirect"))?,
                )
                // Google's tables call the secret optional, but a web client is refused
                // without it (contract 2.2): always in the body.
                .set_auth_type(AuthType::RequestBody),
        )
    }

    /// The consent page's URL for `state`, with a fresh PKCE pair.
    pub fn authorize_url(&self, state: &str) -> Result<Authorization, YouTubeError> {
        let state = state.to_string();
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, _) = self
            .oauth()?
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(SCOPES.iter().map(|s| Scope::new(s.to_string())))
            .set_pkce_challenge(challenge)
            // Only offline access yields a refresh token, and only on a consent screen that was
            // shown: without prompt=consent a reconnect may bring none (contract 2.1).
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent")
            .add_extra_param("include_granted_scopes", "true")
            .url();
        Ok(Authorization {
            url: url.to_string(),
            pkce_verifier: Secret::new(verifier.secret().clone()),
        })
    }

    pub async fn exchange_code(
        &self,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<Grant, YouTubeError> {
        let http = OAuthHttp::new(self.http.clone(), self.timeouts.request, self.now_ms());
        let res = self
            .oauth()?
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&http)
            .await;
        let now = self.now_ms();
        let answer = res.map_err(|e| http.error(e, now, None))?;
        let refresh_token = answer
            .refresh_token()
            .map(|t| t.secret().clone())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                YouTubeError::new(
                    ErrorKind::Reconnect(ReconnectReason::NoRefreshToken),
                    "no_refresh_token",
                    "",
                )
            })?;
        let refresh_expires_at_ms = answer
            .extra_fields()
            .refresh_token_expires_in
            .as_ref()
            .and_then(seconds)
            .map(|s| now.saturating_add(s.saturating_mul(1000)));
        Ok(Grant {
            access_token: Secret::new(answer.access_token().secret().clone()),
            access_expires_at_ms: expiry(now, answer.expires_in()),
            refresh_token: Secret::new(refresh_token),
            refresh_expires_at_ms,
            scopes: granted(&answer),
        })
    }

    /// `refresh_expires_at_ms` is the grant's, so an `invalid_grant` after it is explained as
    /// the Testing expiry rather than a revocation.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        refresh_expires_at_ms: Option<i64>,
    ) -> Result<Refreshed, YouTubeError> {
        let http = OAuthHttp::new(self.http.clone(), self.timeouts.request, self.now_ms());
        let rt = RefreshToken::new(refresh_token.to_string());
        let res = self
            .oauth()?
            .exchange_refresh_token(&rt)
            .request_async(&http)
            .await;
        let now = self.now_ms();
        let answer = res.map_err(|e| http.error(e, now, refresh_expires_at_ms))?;
        Ok(Refreshed {
            access_token: Secret::new(answer.access_token().secret().clone()),
            access_expires_at_ms: expiry(now, answer.expires_in()),
            new_refresh_token: answer
                .refresh_token()
                .map(|t| t.secret().clone())
                .filter(|t| !t.is_empty() && t != refresh_token)
                .map(Secret::new),
            scopes: granted(&answer),
        })
    }

    /// Revokes the grant behind `token` (pass the refresh token: that ends every token of the
    /// grant). A token Google no longer knows counts as revoked.
    pub async fn revoke(&self, token: &str) -> Result<(), YouTubeError> {
        let res = self
            .http
            .post(self.oauth_endpoint("/revoke"))
            .form(&[("token", token)])
            .timeout(self.timeouts.request)
            .send()
            .await
            .map_err(YouTubeError::network)?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.bytes().await.map_err(YouTubeError::network)?;
        if (200..300).contains(&status) {
            return Ok(());
        }
        let failure: OAuthFailure = serde_json::from_slice(&body).unwrap_or_default();
        if failure.error == "invalid_token" {
            return Ok(());
        }
        let now = self.now_ms();
        Err(from_oauth(
            &failure.error,
            &failure.error_description,
            Some(status),
            retry_after(&headers, now),
            now,
            None,
        ))
    }
}

fn expiry(now_ms: i64, expires_in: Option<Duration>) -> i64 {
    let secs = expires_in.map_or(DEFAULT_ACCESS_SECS, |d| d.as_secs());
    now_ms.saturating_add(i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX))
}

fn seconds(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The granted scopes; an answer without `scope` grants what was asked (RFC 6749 section 5.1).
fn granted(answer: &TokenAnswer) -> Vec<String> {
    match answer.scopes() {
        Some(scopes) => scopes
            .iter()
            .flat_map(|s| s.split_whitespace())
            .map(str::to_string)
            .collect(),
        None => SCOPES.iter().map(|s| s.to_string()).collect(),
    }
}

#[derive(Default, Deserialize)]
struct OAuthFailure {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthHttpError {
    #[error("{0}")]
    Reqwest(#[from] reqwest::Error),
    #[error("{0}")]
    Http(#[from] oauth2::http::Error),
}

/// What the token endpoint answered, beside what oauth2 makes of it: the status and
/// `Retry-After` decide whether a failure that oauth2 could not read is worth retrying.
#[derive(Clone, Copy, Default)]
struct Seen {
    status: Option<u16>,
    retry_after: Option<Duration>,
}

/// oauth2's HTTP hook over reqwest 0.13, with a timeout on every request. One per call.
struct OAuthHttp {
    http: reqwest::Client,
    timeout: Duration,
    now_ms: i64,
    seen: Mutex<Seen>,
}

impl OAuthHttp {
    fn new(http: reqwest::Client, timeout: Duration, now_ms: i64) -> Self {
        Self {
            http,
            timeout,
            now_ms,
            seen: Mutex::new(Seen::default()),
        }
    }

    fn seen(&self) -> Seen {
        *self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn error(
        &self,
        e: RequestTokenError<OAuthHttpError, BasicErrorResponse>,
        now_ms: i64,
        refresh_expires_at_ms: Option<i64>,
    ) -> YouTubeError {
        let seen = self.seen();
        match e {
            RequestTokenError::ServerResponse(err) => {
                let code = serde_json::to_value(err.error())
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                from_oauth(
                    &code,
                    err.error_description().map(String::as_str).unwrap_or(""),
                    seen.status,
                    seen.retry_after,
                    now_ms,
                    refresh_expires_at_ms,
                )
            }
            RequestTokenError::Request(OAuthHttpError::Reqwest(e)) => YouTubeError::network(e),
            RequestTokenError::Request(OAuthHttpError::Http(e)) => {
                YouTubeError::permanent("request", e.to_string())
            }
            RequestTokenError::Parse(..) | RequestTokenError::Other(_) => {
                let mut e = from_oauth(
                    "",
                    "Google's token answer could not be read",
                    seen.status,
                    seen.retry_after,
                    now_ms,
                    None,
                );
                if e.kind == ErrorKind::Permanent {
                    e.reason = "unreadable".into();
                }
                e
            }
        }
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for OAuthHttp {
    type Error = OAuthHttpError;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<oauth2::HttpResponse, OAuthHttpError>>
                + Send
                + 'c,
        >,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let mut request = reqwest::Request::try_from(request)?;
            *request.timeout_mut() = Some(self.timeout);
            let res = self.http.execute(request).await?;
            let status = res.status();
            let headers = res.headers().clone();
            let body = res.bytes().await?.to_vec();
            {
                let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
                seen.status = Some(status.as_u16());
                seen.retry_after = retry_after(&headers, self.now_ms);
            }
            let mut builder = oauth2::http::Response::builder().status(status.as_u16());
            for (k, v) in &headers {
                builder = builder.header(k.as_str(), v.as_bytes());
            }
            Ok(builder.body(body)?)
        })
    }
}
