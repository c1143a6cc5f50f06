//! Every way the YouTube sandbox refuses a call, each answered in Google's own shape: the Data
//! API envelope, OAuth's flat body, or an error page on the consent screen. Never Cast's pages.

use actix_web::http::StatusCode;
use actix_web::http::header::RETRY_AFTER;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use super::pages;

/// A refusal on a Data API or upload path:
/// `{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}`.
#[derive(Debug, thiserror::Error)]
#[error("{status} {reason}: {message}")]
pub struct GoogleError {
    pub status: StatusCode,
    pub reason: &'static str,
    pub domain: &'static str,
    pub message: String,
    location: Option<(&'static str, &'static str)>,
}

impl GoogleError {
    pub fn new(status: u16, reason: &'static str, message: impl Into<String>) -> Self {
        let domain = match reason {
            "quotaExceeded" | "rateLimitExceeded" => "youtube.quota",
            "uploadLimitExceeded"
            | "invalidTitle"
            | "invalidDescription"
            | "invalidTags"
            | "invalidCategoryId"
            | "invalidPublishAt"
            | "invalidVideoMetadata"
            | "youtubeSignupRequired"
            | "invalidImage"
            | "videoNotFound" => "youtube.video",
            _ => "global",
        };
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            reason,
            domain,
            message: message.into(),
            location: None,
        }
    }

    fn at(mut self, location: &'static str, kind: &'static str) -> Self {
        self.location = Some((location, kind));
        self
    }

    /// 401 for a missing, unknown, expired or revoked access token.
    pub fn auth_error() -> Self {
        Self::new(
            401,
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        )
        .at("Authorization", "header")
    }

    pub fn insufficient_scopes() -> Self {
        Self::new(
            403,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
        )
    }

    pub fn signup_required() -> Self {
        Self::new(
            401,
            "youtubeSignupRequired",
            "Unauthorized: the Google account has no YouTube channel.",
        )
    }

    pub fn quota_exceeded() -> Self {
        Self::new(
            403,
            "quotaExceeded",
            "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
        )
    }

    /// The project's insert bucket is spent (contract 4.1, the hidden daily cap).
    pub fn daily_uploads() -> Self {
        Self::new(
            429,
            "rateLimitExceeded",
            "Quota exceeded for quota metric 'Video Uploads' and limit 'Video Uploads per day' of service 'youtube.googleapis.com'.",
        )
    }

    pub fn upload_limit() -> Self {
        Self::new(
            400,
            "uploadLimitExceeded",
            "The user has exceeded the number of videos they may upload.",
        )
    }

    pub fn bad_request(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, reason, message)
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            400,
            "missingRequiredParameter",
            format!("No filter selected. Expected one of: {name}"),
        )
        .at("parameter", "parameter")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "forbidden", message)
    }

    pub fn not_found(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new(404, reason, message)
    }

    /// The body Google pairs with an injected status (`CAST_SANDBOX_YOUTUBE_FAULTS`).
    pub fn fault(status: u16) -> Self {
        match status {
            401 => Self::auth_error(),
            403 => Self::quota_exceeded(),
            404 => Self::not_found("notFound", "Not Found"),
            429 => Self::new(
                429,
                "rateLimitExceeded",
                "Too many requests. Try again later.",
            ),
            500..=599 => Self::new(status, "backendError", "Backend Error"),
            _ => Self::new(status, "badRequest", "Bad Request"),
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "youtube sandbox: request failed");
        Self::new(500, "backendError", "Backend Error")
    }

    fn status_name(&self) -> &'static str {
        match self.status.as_u16() {
            400 => "INVALID_ARGUMENT",
            401 => "UNAUTHENTICATED",
            403 => "PERMISSION_DENIED",
            404 => "NOT_FOUND",
            409 => "ALREADY_EXISTS",
            429 => "RESOURCE_EXHAUSTED",
            503 => "UNAVAILABLE",
            _ => "INTERNAL",
        }
    }
}

impl From<sqlx::Error> for GoogleError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

impl From<std::io::Error> for GoogleError {
    fn from(e: std::io::Error) -> Self {
        Self::internal(e)
    }
}

impl ResponseError for GoogleError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut entry =
            json!({"message": self.message, "domain": self.domain, "reason": self.reason});
        if let Some((location, kind)) = self.location {
            entry["location"] = json!(location);
            entry["locationType"] = json!(kind);
        }
        let body = json!({"error": {
            "code": self.status.as_u16(),
            "message": self.message,
            "errors": [entry],
            "status": self.status_name(),
        }});
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.insert_header((RETRY_AFTER, "1"));
        }
        res.content_type("application/json; charset=UTF-8")
            .body(body.to_string())
    }
}

/// A refusal on the token or revoke endpoint: `{"error", "error_description"}`.
#[derive(Debug, thiserror::Error)]
#[error("{error}: {description}")]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            error,
            description: description.into(),
        }
    }
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_grant", description)
    }
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(401, "invalid_client", description)
    }
    /// The body for an injected status on the token step.
    pub fn fault(status: u16) -> Self {
        match status {
            400 => Self::invalid_grant("Bad Request"),
            401 => Self::invalid_client("Unauthorized"),
            429 => Self::new(429, "rate_limit_exceeded", "Too many requests"),
            503 => Self::new(503, "temporarily_unavailable", "Try again later"),
            500..=599 => Self::new(status, "server_error", "Internal error"),
            _ => Self::new(status, "invalid_request", "Bad Request"),
        }
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "youtube sandbox: token request failed");
        Self::new(500, "server_error", "Internal error")
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({"error": self.error, "error_description": self.description}))
    }
}

/// An error shown on the consent screen instead of a redirect, as Google shows
/// `Error 400: redirect_uri_mismatch`: the outcome must not go to an unvetted address.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct PageError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl PageError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            code,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "youtube sandbox: consent page failed");
        Self::new(
            500,
            "server_error",
            "The sandbox could not save the answer. Try again.",
        )
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        pages::error_page(self.status, self.code, &self.message)
    }
}
