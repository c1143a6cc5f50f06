//! A push through ntfy's publish API: `POST <topic URL>` with the message as the body and the
//! title, priority, tags and click URL as headers.

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};

use crate::config::notify::{NtfyAuth, NtfySettings};
use crate::notify::error::SendError;
use crate::notify::event::{EventKind, Payload};
use crate::notify::http;

pub async fn send(
    client: &reqwest::Client,
    settings: &NtfySettings,
    payload: &Payload,
) -> Result<(), SendError> {
    let origin = settings.topic_url.origin();
    let mut req = client
        .post(settings.topic_url.expose().clone())
        .header(CONTENT_TYPE, "text/plain; charset=utf-8")
        .header("Title", header_text(&payload.headline()))
        .header("Priority", priority(payload.event))
        .header("Tags", tags(payload.event))
        .body(payload.text());
    if let Some(url) = payload.url.as_deref().filter(|u| is_header_safe(u)) {
        req = req.header("Click", url);
    }
    req = match &settings.auth {
        Some(NtfyAuth::Token(token)) => {
            req.header(AUTHORIZATION, format!("Bearer {}", token.expose()))
        }
        Some(NtfyAuth::Basic { user, password }) => req.basic_auth(user, Some(password.expose())),
        None => req,
    };
    let res = req
        .send()
        .await
        .map_err(|e| http::request_failed(&origin, e))?;
    http::expect_success(&origin, res).await
}

/// ntfy's 1–5 scale: louder when the owner has something to do.
pub fn priority(kind: EventKind) -> &'static str {
    if kind.needs_action() { "4" } else { "3" }
}

/// Emoji short codes ntfy shows in front of the title.
pub fn tags(kind: EventKind) -> &'static str {
    match kind {
        EventKind::PostPublished => "white_check_mark",
        EventKind::PostFailed => "x",
        EventKind::PostInInbox => "inbox_tray",
        EventKind::PostWaiting => "hourglass_flowing_sand",
        EventKind::AccountNeedsReconnect => "warning",
        EventKind::AccountExpiring => "hourglass",
        EventKind::Test => "bell",
    }
}

fn is_header_safe(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// HTTP headers carry ASCII; ntfy (2.4 and later) decodes RFC 2047 for anything else, so a
/// title with an emoji or an accent arrives as written.
pub fn header_text(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if is_header_safe(&one_line) {
        one_line
    } else {
        let b64 = base64::engine::general_purpose::STANDARD.encode(one_line.as_bytes());
        format!("=?UTF-8?B?{b64}?=")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_titles_go_as_they_are_and_others_as_rfc_2047() {
        assert_eq!(header_text("Published on TikTok"), "Published on TikTok");
        assert_eq!(header_text("Café"), "=?UTF-8?B?Q2Fmw6k=?=");
        assert_eq!(header_text("two\nlines"), "two lines");
    }

    #[test]
    fn failures_ring_louder_than_successes() {
        assert_eq!(priority(EventKind::PostFailed), "4");
        assert_eq!(priority(EventKind::PostPublished), "3");
    }
}
