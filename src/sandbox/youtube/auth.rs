//! Who is calling the Data API: the bearer access token, its grant's scopes and its channel.

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;

use super::errors::GoogleError;
use super::state::YouTubeState;
use super::store::accounts;

pub const UPLOAD: &str = "https://www.googleapis.com/auth/youtube.upload";
pub const READONLY: &str = "https://www.googleapis.com/auth/youtube.readonly";
pub const MANAGE: &str = "https://www.googleapis.com/auth/youtube";
pub const FORCE_SSL: &str = "https://www.googleapis.com/auth/youtube.force-ssl";

/// What may read a channel or its videos, and what may upload (the Data API reference pages).
pub const TO_READ: [&str; 3] = [READONLY, MANAGE, FORCE_SSL];
pub const TO_UPLOAD: [&str; 3] = [UPLOAD, MANAGE, FORCE_SSL];

#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    /// `None` for a Google account without a channel.
    pub channel_id: Option<String>,
    scopes: Vec<String>,
}

impl Caller {
    /// 403 `insufficientPermissions` unless the grant holds one of `any_of`.
    pub fn require(&self, any_of: &[&str]) -> Result<(), GoogleError> {
        if any_of.iter().any(|s| self.scopes.iter().any(|g| g == s)) {
            Ok(())
        } else {
            Err(GoogleError::insufficient_scopes())
        }
    }

    /// The channel, or 401 `youtubeSignupRequired` (writes by an account without one).
    pub fn channel(&self) -> Result<&str, GoogleError> {
        self.channel_id
            .as_deref()
            .ok_or_else(GoogleError::signup_required)
    }
}

pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 512)
        .then_some(token)
}

/// 401 `authError` for a missing, unknown, expired or revoked access token (a refresh token
/// used as a bearer included).
pub async fn caller(state: &YouTubeState, req: &HttpRequest) -> Result<Caller, GoogleError> {
    let token = bearer(req).ok_or_else(GoogleError::auth_error)?;
    let live = accounts::live(&state.db, token, state.now_ms())
        .await?
        .filter(|l| l.kind == "access")
        .ok_or_else(GoogleError::auth_error)?;
    Ok(Caller {
        account_id: live.account_id,
        channel_id: live.channel_id.filter(|_| live.has_channel),
        scopes: live.scopes.split(' ').map(str::to_string).collect(),
    })
}
