//! Every way the sandbox refuses a call, and the one place each becomes TikTok's answer.

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_RANGE;
use actix_web::{HttpResponse, ResponseError};

use super::MOUNT;
use super::envelope;
use super::pages::ErrorPage;

/// A refusal on a v2 API path, answered in the v2 envelope.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("The access token is invalid or not found in the request.")]
    AccessTokenInvalid,
    #[error("The user did not authorize the scope required for completing this request.")]
    ScopeNotAuthorized,
    #[error("{0}")]
    ScopePermissionMissed(String),
    /// The general API pages' spelling (user info).
    #[error("{0}")]
    InvalidParams(String),
    /// The Content Posting pages' spelling.
    #[error("{0}")]
    InvalidParam(String),
    #[error("The API rate limit was exceeded. Please try again later.")]
    RateLimitExceeded,
    #[error("{0}")]
    PrivacyLevelOptionMismatch(String),
    #[error("Unaudited clients can only post to a private account, with privacy_level SELF_ONLY.")]
    UnauditedClient,
    #[error("The video_url's domain or URL prefix is not verified for this client.")]
    UrlOwnershipUnverified,
    #[error("The creator has posted too many videos through the API in the last 24 hours.")]
    SpamRiskTooManyPosts,
    #[error(
        "The creator has 5 pending inbox shares in the last 24 hours; they must post or cancel some first."
    )]
    SpamRiskTooManyPendingShare,
    #[error("Unaudited clients can let at most 5 creators post in 24 hours.")]
    ReachedActiveUserCap,
    #[error("The creator's TikTok app is too old for this post; it needs version 31.8 or later.")]
    AppVersionCheckFailed,
    #[error("The publish_id does not exist.")]
    InvalidPublishId,
    /// A path TikTok does not have.
    #[error("Not found.")]
    NotFound,
    #[error("The access token is not authorized to see this publish_id.")]
    TokenNotAuthorizedForPublishId,
    /// An injected fault (`CAST_SANDBOX_FAULTS`).
    #[error("{message}")]
    Fault {
        status: u16,
        code: &'static str,
        message: &'static str,
    },
    #[error("An internal error occurred in the sandbox.")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::AccessTokenInvalid => "access_token_invalid",
            Self::ScopeNotAuthorized => "scope_not_authorized",
            Self::ScopePermissionMissed(_) => "scope_permission_missed",
            Self::InvalidParams(_) => "invalid_params",
            Self::InvalidParam(_) => "invalid_param",
            Self::RateLimitExceeded => "rate_limit_exceeded",
            Self::PrivacyLevelOptionMismatch(_) => "privacy_level_option_mismatch",
            Self::UnauditedClient => "unaudited_client_can_only_post_to_private_accounts",
            Self::UrlOwnershipUnverified => "url_ownership_unverified",
            Self::SpamRiskTooManyPosts => "spam_risk_too_many_posts",
            Self::SpamRiskTooManyPendingShare => "spam_risk_too_many_pending_share",
            Self::ReachedActiveUserCap => "reached_active_user_cap",
            Self::AppVersionCheckFailed => "app_version_check_failed",
            Self::InvalidPublishId => "invalid_publish_id",
            Self::NotFound => "not_found",
            Self::TokenNotAuthorizedForPublishId => "token_not_authorized_for_specified_publish_id",
            Self::Fault { code, .. } => code,
            Self::Internal(_) => "internal_error",
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::AccessTokenInvalid | Self::ScopeNotAuthorized => StatusCode::UNAUTHORIZED,
            Self::ScopePermissionMissed(_)
            | Self::InvalidParams(_)
            | Self::InvalidParam(_)
            | Self::InvalidPublishId
            | Self::AppVersionCheckFailed
            | Self::TokenNotAuthorizedForPublishId => StatusCode::BAD_REQUEST,
            Self::RateLimitExceeded => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::PrivacyLevelOptionMismatch(_)
            | Self::UnauditedClient
            | Self::UrlOwnershipUnverified
            | Self::SpamRiskTooManyPosts
            | Self::SpamRiskTooManyPendingShare
            | Self::ReachedActiveUserCap => StatusCode::FORBIDDEN,
            Self::Fault { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = %format!("{cause:#}"), "sandbox request failed");
        }
        envelope::failure(self.status_code(), self.code(), &self.to_string())
    }
}

/// A refusal on the OAuth endpoints, answered in RFC 6749's flat shape.
#[derive(Debug, thiserror::Error)]
#[error("{error}: {description}")]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }
    /// 401, as the contract's sandbox answers a failed client authentication.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }
    pub fn unsupported_grant_type(grant: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant_type '{grant}' is not supported"),
        )
    }
    /// An injected fault: TikTok's OAuth error that matches the status.
    pub fn fault(status: u16) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let error = match status.as_u16() {
            401 => "invalid_client",
            403 => "unauthorized_client",
            429 | 503 => "temporarily_unavailable",
            500..=599 => "server_error",
            _ => "invalid_request",
        };
        Self::new(status, error, "Injected fault (CAST_SANDBOX_FAULTS).")
    }
    pub fn server_error(e: impl Into<anyhow::Error>) -> Self {
        tracing::error!(error = %format!("{:#}", e.into()), "sandbox token request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "An internal error occurred.",
        )
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        Self::server_error(e)
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        envelope::oauth_failure(self.status, self.error, &self.description)
    }
}

/// A refused chunk `PUT`. TikTok documents only the status, so the body is one line of text;
/// a 416 carries the upload's progress in `Content-Range` so the client can resume.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UploadError {
    pub status: StatusCode,
    pub message: String,
    pub content_range: Option<String>,
}

impl UploadError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            content_range: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    /// 416 with the progress: `bytes 0-{last}/{size}`, or `bytes */{size}` when nothing arrived yet
    /// (RFC 9110's form for an empty range).
    pub fn out_of_order(received: u64, size: u64, message: impl Into<String>) -> Self {
        let range = match received {
            0 => format!("bytes */{size}"),
            n => format!("bytes 0-{}/{size}", n - 1),
        };
        Self {
            status: StatusCode::RANGE_NOT_SATISFIABLE,
            message: message.into(),
            content_range: Some(range),
        }
    }
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        tracing::error!(error = %format!("{:#}", e.into()), "sandbox chunk upload failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; retry this chunk",
        )
    }
}

impl From<sqlx::Error> for UploadError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        Self::internal(e)
    }
}

impl ResponseError for UploadError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header(("x-tt-logid", envelope::log_id()));
        if let Some(range) = &self.content_range {
            res.insert_header((CONTENT_RANGE, range.clone()));
        }
        res.content_type("text/plain; charset=utf-8")
            .body(format!("{}\n", self.message))
    }
}

/// A refusal on one of the sandbox's own pages (the consent screen, the owner's `_` pages),
/// answered with the sandbox's error page, as TikTok shows its own.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// A bad authorize request: TikTok shows an error page and never redirects.
    #[error("{0}")]
    BadRequest(String),
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("An internal error occurred in the sandbox.")]
    Internal(#[source] anyhow::Error),
}

impl PageError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self::internal(e)
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        Self::internal(e)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = %format!("{cause:#}"), "sandbox page failed");
        }
        let message = self.to_string();
        let page = ErrorPage {
            mount: MOUNT,
            message: &message,
        };
        match askama::Template::render(&page) {
            Ok(html) => HttpResponse::build(self.status_code())
                .content_type("text/html; charset=utf-8")
                .body(html),
            Err(_) => HttpResponse::build(self.status_code()).body(message),
        }
    }
}
