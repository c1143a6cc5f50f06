//! Every way the Instagram sandbox refuses, each answered in Meta's own shape (contract sections
//! 1, 9 and 14): the Graph envelope with every key, the OAuth host's flat body, or a plain error
//! page for the consent screen. Never Cast's error pages.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// A Graph API refusal: HTTP 400 (unless injected otherwise), `WWW-Authenticate`, and
/// `X-Fb-Request-Id` equal to the body's `fbtrace_id`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("({code}/{subcode:?}) {message}")]
pub struct GraphError {
    pub status: StatusCode,
    pub code: i64,
    pub subcode: Option<i64>,
    pub message: String,
    pub transient: bool,
    pub user_title: String,
    pub user_msg: String,
}

impl GraphError {
    pub fn new(code: i64, subcode: Option<i64>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            subcode,
            message: message.into(),
            transient: false,
            user_title: String::new(),
            user_msg: String::new(),
        }
    }

    fn user(mut self, title: &str, msg: impl Into<String>) -> Self {
        self.user_title = title.to_string();
        self.user_msg = msg.into();
        self
    }

    pub fn with_user_msg(mut self, msg: impl Into<String>) -> Self {
        self.user_msg = msg.into();
        self
    }

    fn transient(mut self) -> Self {
        self.transient = true;
        self
    }

    pub fn invalid_token() -> Self {
        Self::new(
            190,
            None,
            "Invalid OAuth access token - Cannot parse access token",
        )
    }

    pub fn expired_token(expired_ms: i64) -> Self {
        let when = time::OffsetDateTime::from_unix_timestamp(expired_ms.div_euclid(1000))
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc2822)
                    .ok()
            })
            .unwrap_or_default();
        Self::new(
            190,
            Some(463),
            format!("Error validating access token: Session has expired on {when}."),
        )
    }

    pub fn invalidated_token() -> Self {
        Self::new(
            190,
            Some(460),
            "Error validating access token: The session has been invalidated because the token was refreshed (Cast sandbox: a refresh ends the previous token at once).",
        )
    }

    pub fn param(message: impl std::fmt::Display) -> Self {
        Self::new(100, None, format!("(#100) {message}"))
    }

    /// The `(#100)` answer for a node that is not this token's to read (or does not exist).
    pub fn no_such_object(id: &str, verb: &str) -> Self {
        Self::new(
            100,
            Some(33),
            format!(
                "Unsupported {verb} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
            ),
        )
    }

    pub fn nonexisting_field(field: &str, node: &str) -> Self {
        Self::param(format!(
            "Tried accessing nonexisting field ({field}) on node type ({node})"
        ))
    }

    pub fn permission(message: impl std::fmt::Display) -> Self {
        Self::new(10, None, format!("(#10) {message}"))
    }

    pub fn rate_limited() -> Self {
        Self::new(4, None, "(#4) Application request limit reached").transient()
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "instagram sandbox: request failed");
        let mut err = Self::new(1, None, "An unknown error has occurred.").transient();
        err.status = StatusCode::INTERNAL_SERVER_ERROR;
        err
    }

    /// An injected HTTP status (`CAST_SANDBOX_INSTAGRAM_FAULTS`).
    pub fn injected_status(status: u16) -> Self {
        let mut err = match status {
            500..=599 => Self::new(
                2,
                None,
                "An unexpected error has occurred. Please retry your request later.",
            )
            .transient(),
            _ => Self::rate_limited(),
        };
        err.status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        err
    }

    /// The body section 9 gives this code and subcode, with Meta's (or the sandbox's) words.
    pub fn meta(code: i64, subcode: i64) -> Self {
        let e = |m: &str| Self::new(code, Some(subcode), m);
        match (code, subcode) {
            (-2, 2207003) => e("The media took too long to download.").user("Media download timed out", "It took too long to download the media."),
            (-2, 2207020) => e("The media you are trying to access has expired.").user("Media expired", "The media has expired. Please upload it again."),
            (-1, 2207001) => e("An unknown error occurred.").user("Instagram server error", "There was an Instagram server error. Please try again.").transient(),
            (-1, 2207032) => e("Create media failed.").user("Media could not be created", "Failed to create media, please try re-creating it."),
            (-1, 2207053) => e("An unknown upload error occurred.").user("Upload failed", "There was an unknown error uploading the media. Please try again."),
            (1, 2207057) => e("The thumbnail offset is invalid.").user("Invalid thumbnail offset", "The thumbnail offset you entered is outside the video's duration."),
            (4, 2207051) => e("Application request limit reached").user("Action is blocked", "We restrict certain activity to protect our community. Tell us if you think we made a mistake."),
            (9, 2207042) => e("Application request limit reached").user("Too many posts", "You have reached the maximum number of posts that can be published through the API in 24 hours."),
            (24, 2207006) => e("The media with the given id cannot be found.").user("Media not found", "The media could not be found."),
            (24, 2207008) => e("Media builder does not exist or has expired.").user("Media builder expired", "The media builder with the creation id does not exist or has expired."),
            (25, 2207050) => e("The Instagram account is restricted.").user("Account restricted", "The Instagram account is restricted, inactive, or must complete a checkpoint."),
            (100, 2207023) => e("The media type is unknown.").user("Unknown media type", "The media type you entered is not one that Instagram accepts."),
            (100, 2207028) => e("Carousels need 2 to 10 items.").user("Invalid carousel", "A carousel must have between 2 and 10 items."),
            (100, 2207040) => e("Too many tags.").user("Too many tags", "You can't tag more than 20 accounts."),
            (100, 2207018) => e("A collaborator could not be tagged.").user("Collaborator not tagged", "One of the collaborators could not be tagged."),
            (100, 33) => Self::no_such_object("0", "get"),
            (352, 2207026) => e("The video file you selected is in a format that we don't support.").user("Unsupported format", "The video file you selected is in a format that we don't support."),
            (9004, 2207052) => e("The media could not be fetched from this uri.").user("Media download has failed.", "The media could not be fetched from this URI. Please check the URI and try again."),
            (9007, 2207027) => e("Media ID is not available").user("Cannot Publish", "The media is not ready for publishing, please wait for a moment"),
            (36000, 2207004) => e("The image is too large.").user("Image too large", "The image is larger than 8 MiB."),
            (36001, 2207005) => e("The image format is not supported.").user("Unsupported image", "The image format is not supported. Use a JPEG."),
            (36003, 2207009) => e("The image's aspect ratio is not supported.").user("Invalid aspect ratio", "The image's aspect ratio is out of the allowed range."),
            (36004, 2207010) => e("The caption is too long.").user("Caption too long", "The caption is longer than 2,200 characters."),
            (190, 463) => Self::expired_token(0),
            (190, 460) => Self::invalidated_token(),
            _ => e(&format!("(#{code}) Injected fault (CAST_SANDBOX_INSTAGRAM_FAULTS).")),
        }
    }
}

impl From<sqlx::Error> for GraphError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

/// Meta's request id: 23 characters of base64url, like `AGcO7sFxzLCUU7wuB2FKwZs`.
pub fn fbtrace_id() -> String {
    crate::crypto::random_token(17).chars().take(23).collect()
}

/// A header value that cannot break the header: printable ASCII without quotes.
fn header_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .take(300)
        .collect()
}

impl ResponseError for GraphError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let trace = fbtrace_id();
        let mut error = json!({
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "is_transient": self.transient,
            "error_user_title": self.user_title,
            "error_user_msg": self.user_msg,
            "fbtrace_id": trace,
        });
        if let (Some(sub), Some(obj)) = (self.subcode, error.as_object_mut()) {
            obj.insert("error_subcode".into(), json!(sub));
        }
        HttpResponse::build(self.status)
            .insert_header((
                "WWW-Authenticate",
                format!(
                    "OAuth \"Facebook Platform\" \"invalid_request\" \"{}\"",
                    header_safe(&self.message)
                ),
            ))
            .insert_header(("X-Fb-Request-Id", trace))
            .insert_header(("X-App-Usage", r#"{"call_volume":0,"cpu_time":0}"#))
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({ "error": error }))
    }
}

/// A refusal on `api.instagram.com`: the flat shape.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct OAuthError {
    pub status: StatusCode,
    pub message: String,
}

impl OAuthError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        self
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "instagram sandbox: code exchange failed");
        Self::new("An unknown error has occurred.").with_status(500)
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(json!({
            "error_type": "OAuthException",
            "code": self.status.as_u16(),
            "error_message": self.message,
        }))
    }
}

/// The consent screen's refusals: an error page, never a redirect (a redirect would hand the
/// outcome to an address nobody vetted).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "instagram sandbox: page failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Something went wrong in the Instagram sandbox. Try again.".into(),
        }
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
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
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let html = super::pages::error_page(self.status.as_u16(), &self.message);
        HttpResponse::build(self.status)
            .content_type("text/html; charset=utf-8")
            .body(html)
    }
}
