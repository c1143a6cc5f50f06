//! Login Kit for Web (contract §2) through the `oauth2` crate, with TikTok's dialect:
//! `client_key` beside `client_id`, comma-separated scopes, the secret in the form body, PKCE
//! with a hex challenge, and `open_id`/`refresh_expires_in` in a flat token answer.
//!
//! TikTok's token answers are read tolerantly (§2.2): failures are told by the body whatever
//! the HTTP status (200 included), `token_type` may be missing or in any case, and lifetimes come
//! from each answer. Every failure is logged with TikTok's `log_id`.

use std::time::Duration;

use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, TokenResponse as _, TokenUrl,
};
use serde_json::Value;

use super::client::TikTokClient;
use super::error::TikTokError;
use super::pkce::{self, Verifier};
use super::token_answer::{TikTokOAuthError, TikTokToken};

type OAuthClient = oauth2::Client<
    TikTokOAuthError,
    TikTokToken,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A fresh pair of tokens and what they allow.
#[derive(Clone)]
pub struct TokenSet {
    pub open_id: String,
    pub access_token: String,
    pub expires_in: Duration,
    pub refresh_token: String,
    /// None when TikTok did not say: the refresh token is kept until TikTok refuses it.
    pub refresh_expires_in: Option<Duration>,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("open_id", &self.open_id)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthHttpError {
    #[error("{0}")]
    Reqwest(#[from] reqwest::Error),
    #[error("{0}")]
    Http(#[from] oauth2::http::Error),
}

impl TikTokClient {
    fn oauth(&self) -> Result<OAuthClient, TikTokError> {
        let bad = |what: &str| {
            TikTokError::new("configuration", format!("the {what} URL is invalid"), None)
        };
        Ok(oauth2::Client::new(ClientId::new(self.client_key.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret.expose().to_string()))
            .set_auth_uri(AuthUrl::new(self.auth_url.to_string()).map_err(|_| bad("authorize"))?)
            .set_token_uri(
                TokenUrl::new(self.endpoint("/v2/oauth/token/")).map_err(|_| bad("token"))?,
            )
            .set_redirect_uri(
                RedirectUrl::new(self.redirect_uri.clone()).map_err(|_| bad("redirect"))?,
            )
            .set_auth_type(AuthType::RequestBody))
    }

    /// The consent page's URL for this attempt: its `state`, and the PKCE challenge of its
    /// verifier, sent on every authorize request (§2.1). oauth2's own PKCE helper would send
    /// RFC 7636's base64url challenge, which TikTok does not take, so the two parameters are
    /// added by hand.
    pub fn authorize_url(&self, state: &str, verifier: &Verifier) -> Result<String, TikTokError> {
        let state = state.to_string();
        let (url, _) = self
            .oauth()?
            .authorize_url(move || CsrfToken::new(state))
            // One Scope: oauth2 would join several with spaces, TikTok wants commas.
            .add_scope(Scope::new(self.scopes.clone()))
            .add_extra_param("client_key", self.client_key.clone())
            .add_extra_param("code_challenge", verifier.challenge())
            .add_extra_param("code_challenge_method", pkce::METHOD)
            .url();
        Ok(url.to_string())
    }

    /// Redeems the code with this attempt's verifier (`code_verifier`, §2.2).
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &Verifier,
    ) -> Result<TokenSet, TikTokError> {
        let res = self
            .oauth()?
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.secret().to_string()))
            .add_extra_param("client_key", self.client_key.clone())
            .request_async(&OAuthHttp(self.http.clone()))
            .await;
        to_token_set(res, None)
    }

    /// TikTok rotates the refresh token on every refresh: store the new pair before using it.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        open_id: &str,
    ) -> Result<TokenSet, TikTokError> {
        let rt = RefreshToken::new(refresh_token.to_string());
        let res = self
            .oauth()?
            .exchange_refresh_token(&rt)
            .add_extra_param("client_key", self.client_key.clone())
            .request_async(&OAuthHttp(self.http.clone()))
            .await;
        let mut set = to_token_set(res, Some(open_id))?;
        // Tolerant reading: a refresh answer without a new refresh token keeps the old one.
        if set.refresh_token.is_empty() {
            set.refresh_token = refresh_token.to_string();
        }
        Ok(set)
    }

    /// Revokes the user's access token (contract §2.3). oauth2's revocation sends `token_type_hint`
    /// and needs a separate endpoint type, so this small form post is written by hand.
    pub async fn revoke(&self, access_token: &str) -> Result<(), TikTokError> {
        let res = self
            .http
            .post(self.endpoint("/v2/oauth/revoke/"))
            .timeout(self.timeouts.request)
            .form(&[
                ("client_key", self.client_key.as_str()),
                ("client_secret", self.client_secret.expose()),
                ("token", access_token),
            ])
            .send()
            .await
            .map_err(|e| TikTokError::network(&e))?;
        let status = res.status().as_u16();
        let body = res.bytes().await.map_err(|e| TikTokError::network(&e))?;
        match serde_json::from_slice::<TikTokOAuthError>(&body) {
            Ok(f) if f.is_error() => {
                let e = f.into_error(Some(status));
                log_failure("revoke", &e);
                Err(e)
            }
            _ if status >= 400 => Err(TikTokError::unreadable(status, "revoke failed")),
            _ => Ok(()),
        }
    }
}

/// oauth2's HTTP hook over reqwest 0.13, as a type rather than a closure: a closure's future is
/// not `Send` for every lifetime oauth2 asks about, which background tasks (`tokio::spawn`) need.
struct OAuthHttp(reqwest::Client);

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
        let http = self.0.clone();
        Box::pin(async move { send_oauth(&http, request).await })
    }
}

/// The request itself, and the one place TikTok's answer is judged (§2.2): whatever the HTTP
/// status, a body with `error` is a failure, and so is a 2xx without `access_token`; a 2xx
/// with a token is a success even when it is not exactly 200. oauth2 then reads it as a
/// standard answer: 200 for a token, 400 for an error body.
async fn send_oauth(
    http: &reqwest::Client,
    req: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, OAuthHttpError> {
    let mut req = reqwest::Request::try_from(req)?;
    // A token call is bounded like every other: TikTok's default would be to wait forever.
    *req.timeout_mut() = Some(super::client::Timeouts::default().request);
    let res = http.execute(req).await?;
    let status = res.status();
    let mut body = res.bytes().await?.to_vec();
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let text = |key: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let verdict = if text("error").is_some() {
        400
    } else if status.is_success() && text("access_token").is_some() {
        200
    } else if status.is_success() {
        body = serde_json::to_vec(&TikTokOAuthError::no_access_token(
            text("log_id").map(str::to_string),
        ))
        .unwrap_or_default();
        400
    } else {
        // Not TikTok's error shape (a proxy's page, an empty 5xx): keep the status, so a 5xx
        // stays retryable; oauth2 reports the body it could not read.
        status.as_u16()
    };
    Ok(oauth2::http::Response::builder()
        .status(verdict)
        .header("content-type", "application/json")
        .body(body)?)
}

fn log_failure(what: &str, e: &TikTokError) {
    tracing::warn!(
        code = %e.code,
        log_id = e.log_id.as_deref().unwrap_or("-"),
        status = ?e.http_status,
        "TikTok refused the {what} request: {}",
        e.message
    );
}

fn to_token_set(
    res: Result<TikTokToken, RequestTokenError<OAuthHttpError, TikTokOAuthError>>,
    known_open_id: Option<&str>,
) -> Result<TokenSet, TikTokError> {
    let token = res.map_err(|e| {
        let e = match e {
            RequestTokenError::ServerResponse(err) => err.into_error(None),
            RequestTokenError::Request(e) => {
                TikTokError::new("network", format!("TikTok could not be reached: {e}"), None)
            }
            RequestTokenError::Parse(e, body) => {
                let log_id = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v.get("log_id")?.as_str().map(str::to_string));
                TikTokError::new(
                    "internal_error",
                    format!("TikTok's sign-in answer could not be read: {e}"),
                    None,
                )
                .with_log_id(log_id)
            }
            RequestTokenError::Other(e) => TikTokError::new("internal_error", e, None),
        };
        log_failure("token", &e);
        e
    })?;
    let open_id = token
        .open_id()
        .filter(|o| !o.is_empty())
        .map(str::to_string)
        .or_else(|| known_open_id.map(str::to_string))
        .ok_or_else(|| {
            TikTokError::new("no_access_token", "the token answer had no open_id", None)
        })?;
    let scopes = token
        .scopes()
        .map(|s| s.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    Ok(TokenSet {
        open_id,
        access_token: token.access_token().secret().clone(),
        // Not said: assume the shortest lifetime TikTok has documented, so Cast refreshes early.
        expires_in: token.expires_in().unwrap_or(Duration::from_secs(7200)),
        refresh_token: token
            .refresh_token()
            .map(|t| t.secret().clone())
            .unwrap_or_default(),
        refresh_expires_in: token.refresh_expires_in(),
        scopes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_come_from_the_answer() {
        let t = serde_json::from_str(r#"{"access_token": "a", "expires_in": 86400, "refresh_expires_in": 31536000, "open_id": "o"}"#)
            .expect("valid");
        let set = to_token_set(Ok(t), None).expect("set");
        assert_eq!(set.expires_in, Duration::from_secs(86_400));
        assert_eq!(
            set.refresh_expires_in,
            Some(Duration::from_secs(31_536_000))
        );
    }
}
