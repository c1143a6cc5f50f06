//! The app's one error type, and the one place errors become responses.
//!
//! A handler returns `AppError`; `render_errors` (middleware) turns it into JSON for `/api/*`
//! and bearer clients, a toast fragment for HTMX, or an error page, with the request id.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("This page does not exist.")]
    NotFound,
    #[error("Log in to continue.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    /// Bad input: `code` is stable for scripts, `message` says what to do.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("{message}")]
    PayloadTooLarge { message: String },
    /// The disk is (nearly) full: nothing new is accepted, what was accepted is kept.
    #[error("{0}")]
    DiskFull(String),
    /// The client sent its request too slowly and was cut off.
    #[error("{0}")]
    TooSlow(String),
    /// A platform's failure the user should read, e.g. "TikTok says: …".
    #[error("{message}")]
    Upstream { code: String, message: String },
    /// Anything unexpected: logged in full, shown as a generic message with the request id.
    #[error("Something went wrong on the server.")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unprocessable {
            code,
            message: message.into(),
        }
    }
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }

    pub fn code(&self) -> &str {
        match self {
            Self::NotFound => "not_found",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::BadRequest { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::Conflict { code, .. } => code,
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::PayloadTooLarge { .. } => "too_large",
            Self::DiskFull(_) => "disk_full",
            Self::TooSlow(_) => "too_slow",
            Self::Upstream { code, .. } => code.as_str(),
            Self::Internal(_) => "internal",
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if crate::disk::is_db_full(&e) {
            tracing::warn!(error = %e, "the disk is full: a write was refused");
            return Self::DiskFull(crate::disk::FULL_WHILE_WRITING.into());
        }
        Self::Internal(e.into())
    }
}

impl From<crate::disk::DiskFull> for AppError {
    fn from(e: crate::disk::DiskFull) -> Self {
        Self::DiskFull(e.to_string())
    }
}

impl From<crate::slow_body::Stalled> for AppError {
    fn from(e: crate::slow_body::Stalled) -> Self {
        Self::TooSlow(e.to_string())
    }
}

impl From<crate::owner::OwnerError> for AppError {
    fn from(e: crate::owner::OwnerError) -> Self {
        match e {
            crate::owner::OwnerError::Db(db) => db.into(),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<crate::accounts::AccountError> for AppError {
    fn from(e: crate::accounts::AccountError) -> Self {
        use crate::accounts::AccountError as E;
        match e {
            E::NotFound(_) => Self::NotFound,
            E::NoAccount(_) | E::Ambiguous(_) => Self::unprocessable("account", e.to_string()),
            E::NeedsReconnect(_) => Self::Conflict {
                code: "needs_reconnect",
                message: e.to_string(),
            },
            E::Platform { code, message, .. } => Self::Upstream { code, message },
            E::State { error, .. } => Self::bad_request(error.code(), e.to_string()),
            E::Denied(_) => Self::bad_request("access_denied", e.to_string()),
            E::Refused { .. } => Self::bad_request("platform_refused", e.to_string()),
            E::MissingCode(_) => Self::bad_request("missing_code", e.to_string()),
            E::Db(db) => db.into(),
            E::Crypto(_) => Self::Internal(e.into()),
        }
    }
}

impl From<crate::platforms::tiktok::client::TikTokError> for AppError {
    fn from(e: crate::platforms::tiktok::client::TikTokError) -> Self {
        tracing::warn!(code = %e.code, log_id = ?e.log_id, status = ?e.http_status, "TikTok refused: {}", e.message);
        Self::Upstream {
            code: e.code.clone(),
            message: e.to_string(),
        }
    }
}

impl<E> From<crate::accounts::GatewayError<E>> for AppError
where
    E: std::fmt::Display + Into<AppError>,
{
    fn from(e: crate::accounts::GatewayError<E>) -> Self {
        use crate::accounts::GatewayError as G;
        match e {
            G::Platform(p) => p.into(),
            G::Account(a) => a.into(),
            G::Wait(d) => Self::TooManyRequests {
                message: format!(
                    "The platform allows only so many requests a minute for this account: try again in {} s.",
                    d.as_secs().max(1)
                ),
                retry_after_secs: d.as_secs().max(1),
            },
            G::TimedOut(_) => Self::Upstream {
                code: "timeout".into(),
                message: e.to_string(),
            },
        }
    }
}

impl From<crate::posts::PostError> for AppError {
    fn from(e: crate::posts::PostError) -> Self {
        use crate::posts::PostError as E;
        use crate::posts::spool::SpoolError;
        match e {
            E::Rejected(ref problems) => Self::Unprocessable {
                code: problems.first().map(|p| p.code).unwrap_or("invalid"),
                message: e.to_string(),
            },
            E::NotFound => Self::NotFound,
            E::Conflict { code, message } => Self::Conflict { code, message },
            E::Spool(SpoolError::TooLarge { .. }) => Self::PayloadTooLarge {
                message: e.to_string(),
            },
            E::Spool(SpoolError::Empty) => Self::unprocessable("empty_video", e.to_string()),
            E::Spool(SpoolError::Io(ref io)) if crate::disk::is_full(io) => {
                tracing::warn!(error = %e, "the disk is full: a video was refused");
                Self::DiskFull(crate::disk::FULL_WHILE_WRITING.into())
            }
            E::Db(db) => db.into(),
            E::UnknownCursor(_) => Self::bad_request("unknown_before", e.to_string()),
            E::Account(a) => a.into(),
            E::Spool(SpoolError::Io(_)) | E::Corrupt(_) | E::Probe(_) => Self::Internal(e.into()),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::DiskFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            Self::TooSlow(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Upstream { .. } => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A placeholder body: `render_errors` replaces it, knowing the request.
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let Self::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            res.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        res.body(self.to_string())
    }
}

/// Logs an error's whole cause chain; the client only ever sees `Display`.
pub fn log_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
