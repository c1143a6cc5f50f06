//! The HTTP side shared by ntfy and the webhook: one client with timeouts, and failures put into
//! words that name the host only (a topic or webhook path is often the secret).

use std::time::Duration;

use crate::notify::error::SendError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole call, answer included: a receiver that hangs costs one delivery this long, no more.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// How much of an error answer is read; the notifier cuts it shorter once it is scrubbed of
/// secrets (cutting first could leave half a token that no longer matches).
const BODY_EXCERPT: usize = 4096;

pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(CALL_TIMEOUT)
        // A redirect would resend the body (and for ntfy the token) somewhere not configured.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Cast/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// A request that never got an answer, e.g. "cannot connect to http://127.0.0.1:9: Connection refused".
pub fn request_failed(origin: &str, e: reqwest::Error) -> SendError {
    let e = e.without_url();
    if e.is_timeout() {
        return SendError::new(format!(
            "{origin} did not answer within {} s",
            CALL_TIMEOUT.as_secs()
        ));
    }
    let mut cause: &dyn std::error::Error = &e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if e.is_connect() {
        SendError::new(format!("cannot connect to {origin}: {cause}"))
    } else {
        SendError::new(format!("the request to {origin} failed: {cause}"))
    }
}

/// Success is any 2xx; anything else is a failure quoting the start of the answer.
pub async fn expect_success(origin: &str, res: reqwest::Response) -> Result<(), SendError> {
    let status = res.status();
    if status.is_success() {
        return Ok(());
    }
    let body = res.text().await.unwrap_or_default();
    let excerpt: String = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(BODY_EXCERPT)
        .collect();
    let hint = if status.is_redirection() {
        " (redirects are not followed: set the final URL)"
    } else {
        ""
    };
    let said = if excerpt.is_empty() {
        String::new()
    } else {
        format!(": {excerpt}")
    };
    Err(SendError::new(format!(
        "{origin} answered HTTP {}{hint}{said}",
        status.as_u16()
    )))
}
