//! Login Kit for Web (contract §2) through the `oauth2` crate, with TikTok's dialect:
//! `client_key` beside `client_id`, comma-separated scopes, the secret in the form body,
//! no PKCE on the web flow, and `open_id`/`refresh_expires_in` in the token answer.

use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};

use super::client::{SCOPES, TikTokClient};
use super::error::TikTokError;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TikTokExtra {
    #[serde(default)]
    pub open_id: Option<String>,
    #[serde(default)]
    pub refresh_expires_in: Option<u64>,
}
impl ExtraTokenFields for TikTokExtra {}

type TokenResponse = StandardTokenResponse<TikTokExtra, BasicTokenType>;
type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
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
    pub refresh_expires_in: Duration,
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

    /// The consent page's URL for this `state`.
    pub fn authorize_url(&self, state: &str) -> Result<String, TikTokError> {
        let state = state.to_string();
        let (url, _) = self
            .oauth()?
            .authorize_url(move || CsrfToken::new(state))
            // One Scope: oauth2 would join several with spaces, TikTok wants commas.
            .add_scope(Scope::new(SCOPES.into()))
            .add_extra_param("client_key", self.client_key.clone())
            .url();
        Ok(url.to_string())
    }

    pub async fn exchange_code(&self, code: &str) -> Result<TokenSet, TikTokError> {
        let res = self
            .oauth()?
            .exchange_code(AuthorizationCode::new(code.to_string()))
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
        match serde_json::from_slice::<OAuthFailure>(&body) {
            Ok(f) if !f.error.is_empty() => Err(f.into_error(status)),
            _ if status >= 400 => Err(TikTokError::unreadable(status, "revoke failed")),
            _ => Ok(()),
        }
    }
}

#[derive(Deserialize)]
struct OAuthFailure {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    log_id: Option<String>,
}

impl OAuthFailure {
    fn into_error(self, status: u16) -> TikTokError {
        TikTokError::new(&self.error, self.error_description, Some(status)).with_log_id(self.log_id)
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

/// The request itself. TikTok's OAuth failures are told by the `error` key, not
/// the status (contract §2.2, Unsure), so a 200 carrying `error` is passed on as a 400 for oauth2 to read.
async fn send_oauth(
    http: &reqwest::Client,
    req: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, OAuthHttpError> {
    let res = http.execute(reqwest::Request::try_from(req)?).await?;
    let mut status = res.status();
    let headers = res.headers().clone();
    let body = res.bytes().await?.to_vec();
    if status.is_success()
        && serde_json::from_slice::<OAuthFailure>(&body).is_ok_and(|f| !f.error.is_empty())
    {
        status = reqwest::StatusCode::BAD_REQUEST;
    }
    let mut builder = oauth2::http::Response::builder().status(status.as_u16());
    for (k, v) in &headers {
        builder = builder.header(k.as_str(), v.as_bytes());
    }
    Ok(builder.body(body)?)
}

fn to_token_set(
    res: Result<TokenResponse, RequestTokenError<OAuthHttpError, BasicErrorResponse>>,
    known_open_id: Option<&str>,
) -> Result<TokenSet, TikTokError> {
    let token = res.map_err(|e| match e {
        RequestTokenError::ServerResponse(err) => {
            let code = serde_json::to_value(err.error())
                .ok()
                .and_then(|v| v.as_str().map(str::to_string));
            TikTokError::new(
                code.as_deref().unwrap_or("invalid_request"),
                err.error_description().cloned().unwrap_or_default(),
                None,
            )
        }
        RequestTokenError::Request(e) => {
            TikTokError::new("network", format!("TikTok could not be reached: {e}"), None)
        }
        RequestTokenError::Parse(e, _) => TikTokError::new(
            "internal_error",
            format!("unreadable token answer: {e}"),
            None,
        ),
        RequestTokenError::Other(e) => TikTokError::new("internal_error", e, None),
    })?;
    let open_id = token
        .extra_fields()
        .open_id
        .clone()
        .or_else(|| known_open_id.map(str::to_string))
        .ok_or_else(|| {
            TikTokError::new("internal_error", "the token answer had no open_id", None)
        })?;
    let scopes = token
        .scopes()
        .map(|s| {
            s.iter()
                .flat_map(|s| s.split(','))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Ok(TokenSet {
        open_id,
        access_token: token.access_token().secret().clone(),
        // Missing lifetimes: assume the shortest TikTok has documented, so Cast refreshes early rather than late.
        expires_in: token.expires_in().unwrap_or(Duration::from_secs(7200)),
        refresh_token: token
            .refresh_token()
            .map(|t| t.secret().clone())
            .unwrap_or_default(),
        refresh_expires_in: Duration::from_secs(
            token
                .extra_fields()
                .refresh_expires_in
                .unwrap_or(180 * 86_400),
        ),
        scopes,
    })
}
