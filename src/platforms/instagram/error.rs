//! Instagram's failures as one type that says what to do next (contract sections 1, 9 and 12):
//! classified by `error_subcode` first, then by `code`, then by HTTP status.

use std::time::Duration;

use super::explain::explain;
pub use super::redact::redact;

/// What Cast should do about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 5xx, network trouble, timeouts, `is_transient`, rate limits: the same call again later.
    Retry,
    /// The container cannot be published: make a new one (same file, new link), once.
    NewContainer,
    /// A cap is reached (the publishing quota): try again when it resets, if known.
    Wait { until_ms: Option<i64> },
    /// The token is dead or lacks a permission: the owner must connect the account again
    /// (a 190 is worth one refresh first, see `InstagramError::token_rejected`).
    Reconnect,
    /// Trying again cannot help; Meta's words say why.
    Permanent,
}

/// Where a failure came from, for the sentence a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Meta answered with an error body (Graph envelope or the flat OAuth one).
    Meta,
    /// No usable answer: connection refused or cut, a timeout.
    Network,
    /// An answer Cast could not read.
    Unreadable,
    /// Cast refused something Meta sent (a personal account, a missing permission).
    Cast,
}

/// One failure of any Instagram call. Boxed, so a `Result` stays small; its fields read
/// through `Deref` (`err.kind`, `err.code`, …).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.describe())]
pub struct InstagramError(Box<ErrorDetail>);

impl std::ops::Deref for InstagramError {
    type Target = ErrorDetail;
    fn deref(&self) -> &ErrorDetail {
        &self.0
    }
}

impl std::ops::DerefMut for InstagramError {
    fn deref_mut(&mut self) -> &mut ErrorDetail {
        &mut self.0
    }
}

#[derive(Debug, Clone)]
pub struct ErrorDetail {
    pub kind: ErrorKind,
    pub origin: Origin,
    /// Meta's `code`, or on the OAuth host the flat body's `code`.
    pub code: Option<i64>,
    pub subcode: Option<i64>,
    /// Meta's `message` (or `error_message`), or Cast's own words for the other origins.
    pub message: String,
    pub error_type: Option<String>,
    /// Written for a person by Meta, in the request's locale.
    pub user_title: Option<String>,
    pub user_msg: Option<String>,
    pub is_transient: bool,
    /// Meta's request id, to quote to Meta.
    pub fbtrace_id: Option<String>,
    pub http_status: Option<u16>,
    pub retry_after: Option<Duration>,
    /// A stable name for Cast's own refusals (`personal_account`, `missing_permission`, …).
    pub reason: Option<&'static str>,
    /// After 4/2207051 (spam protection): stop publishing to this account for this long.
    pub account_pause: Option<Duration>,
}

impl InstagramError {
    fn base(origin: Origin, message: String) -> Self {
        Self(Box::new(ErrorDetail {
            kind: ErrorKind::Permanent,
            origin,
            code: None,
            subcode: None,
            message,
            error_type: None,
            user_title: None,
            user_msg: None,
            is_transient: false,
            fbtrace_id: None,
            http_status: None,
            retry_after: None,
            reason: None,
            account_pause: None,
        }))
    }

    /// Meta's error, classified.
    #[allow(clippy::too_many_arguments)]
    pub fn meta(
        http_status: u16,
        code: Option<i64>,
        subcode: Option<i64>,
        message: String,
        is_transient: bool,
    ) -> Self {
        let mut e = Self::base(Origin::Meta, redact(&message));
        e.http_status = Some(http_status);
        e.code = code;
        e.subcode = subcode;
        e.is_transient = is_transient;
        e.kind = classify(code, subcode, is_transient, Some(http_status));
        if (code, subcode) == (Some(4), Some(2207051)) {
            e.account_pause = Some(Duration::from_secs(3600));
        }
        e
    }

    pub fn network(e: &reqwest::Error) -> Self {
        let what = if e.is_timeout() {
            "did not answer in time"
        } else {
            "could not be reached"
        };
        let mut err = Self::base(
            Origin::Network,
            format!("Instagram {what}: {}", without_url(e)),
        );
        err.kind = ErrorKind::Retry;
        err.reason = Some(if e.is_timeout() { "timeout" } else { "network" });
        err
    }

    /// An answer that did not parse: retryable when the status says Meta was at fault, and
    /// when the body was cut off (the answer is lost, not wrong).
    pub fn unreadable(http_status: Option<u16>, detail: &str) -> Self {
        let mut e = Self::base(
            Origin::Unreadable,
            format!("Instagram sent an answer Cast could not read: {detail}"),
        );
        e.http_status = http_status;
        e.reason = Some("unreadable");
        e.kind = match http_status {
            None => ErrorKind::Retry,
            Some(s) if s >= 500 || s == 429 => ErrorKind::Retry,
            Some(_) => ErrorKind::Permanent,
        };
        e
    }

    /// Cast's own refusal of something Meta sent.
    pub fn refused(reason: &'static str, message: impl Into<String>, kind: ErrorKind) -> Self {
        let mut e = Self::base(Origin::Cast, message.into());
        e.reason = Some(reason);
        e.kind = kind;
        e
    }

    pub fn with_user_text(mut self, title: Option<String>, msg: Option<String>) -> Self {
        self.user_title = title.filter(|t| !t.trim().is_empty()).map(|t| redact(&t));
        self.user_msg = msg.filter(|m| !m.trim().is_empty()).map(|m| redact(&m));
        self
    }

    pub fn with_trace(mut self, fbtrace_id: Option<String>, error_type: Option<String>) -> Self {
        self.fbtrace_id = fbtrace_id.filter(|t| !t.is_empty());
        self.error_type = error_type.filter(|t| !t.is_empty());
        self
    }

    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// A 190: the token is invalid or expired. One refresh may help if the token is still
    /// refreshable (section 2.5); otherwise the account needs reconnecting.
    pub fn token_rejected(&self) -> bool {
        self.code == Some(190)
    }

    /// The call may have taken effect without Cast hearing so: a transport failure, a cut or
    /// unreadable body, a 5xx. A `media_publish` that ends so is settled by reading the
    /// container's status, never by publishing again blindly.
    pub fn answer_lost(&self) -> bool {
        match self.origin {
            Origin::Network => true,
            Origin::Unreadable => self.http_status.is_none_or(|s| !(400..500).contains(&s)),
            Origin::Meta => self.http_status.is_some_and(|s| s >= 500) && self.code.is_none(),
            Origin::Cast => false,
        }
    }

    /// A link problem Meta reported (it could not fetch, or gave up fetching, the video).
    pub fn is_fetch_failure(&self) -> bool {
        matches!(
            self.subcode,
            Some(2207052 | 2207003 | 2207076 | 2207077 | 2207082)
        ) || self.code == Some(9004)
    }

    /// One paragraph for a person: what happened and what to do, then Meta's own words, the
    /// code and subcode, and the trace id to quote to Meta.
    pub fn describe(&self) -> String {
        let mut out = match (self.origin, explain(self.code, self.subcode)) {
            (Origin::Meta, Some(text)) => text.to_string(),
            (Origin::Meta, None) => "Instagram refused the request.".to_string(),
            _ => self.message.clone(),
        };
        if self.origin == Origin::Meta {
            let words = self
                .user_msg
                .as_deref()
                .or(Some(self.message.as_str()))
                .filter(|m| !m.trim().is_empty());
            if let Some(words) = words {
                out.push_str(&format!(" Instagram says: \"{}\"", words.trim()));
            }
            let mut tags = Vec::new();
            if let Some(code) = self.code {
                tags.push(format!("code {code}"));
            }
            if let Some(sub) = self.subcode {
                tags.push(format!("subcode {sub}"));
            }
            if let Some(trace) = &self.fbtrace_id {
                tags.push(format!("fbtrace_id {trace}"));
            }
            if !tags.is_empty() {
                out.push_str(&format!(" ({})", tags.join(", ")));
            }
        }
        out
    }
}

fn classify(
    code: Option<i64>,
    subcode: Option<i64>,
    is_transient: bool,
    status: Option<u16>,
) -> ErrorKind {
    // Subcodes first: they are what tells a spam block (4/2207051) from a rate limit (4).
    if let Some(sub) = subcode {
        match sub {
            2207051 | 2207050 | 2207057 | 2207023 | 2207028 | 2207040 | 2207026 | 2207004
            | 2207005 | 2207009 | 2207010 | 2207018 => return ErrorKind::Permanent,
            2207042 => return ErrorKind::Wait { until_ms: None },
            2207001 | 2207027 | 2207008 => return ErrorKind::Retry,
            2207003 | 2207020 | 2207032 | 2207053 | 2207052 | 2207006 | 2207076 | 2207077
            | 2207082 => return ErrorKind::NewContainer,
            // 190's subcodes (458, 460, 463, 467) say why the token died; all mean reconnect.
            _ if code == Some(190) => return ErrorKind::Reconnect,
            _ => {}
        }
    }
    if is_transient {
        return ErrorKind::Retry;
    }
    match code {
        Some(1 | 2 | 4 | 17 | 32 | 613 | 80002) => ErrorKind::Retry,
        Some(190 | 10) => ErrorKind::Reconnect,
        Some(200..=299) => ErrorKind::Reconnect,
        // A fetch failure reported without its subcode.
        Some(9004) => ErrorKind::NewContainer,
        Some(9007) => ErrorKind::Retry,
        Some(9) => ErrorKind::Wait { until_ms: None },
        Some(_) => ErrorKind::Permanent,
        None if status.is_some_and(|s| s >= 500 || s == 429) => ErrorKind::Retry,
        None => ErrorKind::Permanent,
    }
}

/// reqwest's message without the URL, which for Graph calls carries the access token, plus
/// the causes below it ("connection refused"), which name no URL.
fn without_url(e: &reqwest::Error) -> String {
    let text = e.to_string();
    let mut out = match text.find(" for url (").or_else(|| text.find("(http")) {
        Some(i) => text[..i].trim_end().to_string(),
        None => text,
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause = cause.to_string();
        if !cause.contains("http") && !out.contains(&cause) {
            out.push_str(": ");
            out.push_str(&cause);
        }
        source = cause_of(source);
    }
    out
}

fn cause_of<'a>(
    e: Option<&'a (dyn std::error::Error + 'static)>,
) -> Option<&'a (dyn std::error::Error + 'static)> {
    e.and_then(std::error::Error::source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(code: i64, sub: Option<i64>) -> InstagramError {
        InstagramError::meta(400, Some(code), sub, "msg".into(), false)
    }

    #[test]
    fn subcodes_decide_before_codes() {
        assert_eq!(meta(4, None).kind, ErrorKind::Retry);
        let spam = meta(4, Some(2207051));
        assert_eq!(spam.kind, ErrorKind::Permanent);
        assert_eq!(spam.account_pause, Some(Duration::from_secs(3600)));
        assert_eq!(
            meta(9, Some(2207042)).kind,
            ErrorKind::Wait { until_ms: None }
        );
        assert_eq!(meta(-2, Some(2207003)).kind, ErrorKind::NewContainer);
        assert_eq!(meta(9004, Some(2207052)).kind, ErrorKind::NewContainer);
        assert_eq!(meta(9007, Some(2207027)).kind, ErrorKind::Retry);
        assert_eq!(meta(352, Some(2207026)).kind, ErrorKind::Permanent);
        assert_eq!(meta(190, Some(463)).kind, ErrorKind::Reconnect);
        assert_eq!(meta(100, Some(2207040)).kind, ErrorKind::Permanent);
        assert_eq!(
            meta(100, Some(1234567)).kind,
            ErrorKind::Permanent,
            "unknown subcodes are permanent"
        );
    }

    #[test]
    fn codes_and_statuses_when_there_is_no_subcode() {
        for code in [1, 2, 17, 32, 613, 80002] {
            assert_eq!(meta(code, None).kind, ErrorKind::Retry, "{code}");
        }
        for code in [10, 200, 299, 190] {
            assert_eq!(meta(code, None).kind, ErrorKind::Reconnect, "{code}");
        }
        assert_eq!(meta(368, None).kind, ErrorKind::Permanent);
        assert_eq!(meta(100, None).kind, ErrorKind::Permanent);
        let transient = InstagramError::meta(400, Some(100), None, "x".into(), true);
        assert_eq!(transient.kind, ErrorKind::Retry);
        assert_eq!(
            InstagramError::meta(503, None, None, "".into(), false).kind,
            ErrorKind::Retry
        );
        assert_eq!(
            InstagramError::unreadable(Some(502), "html").kind,
            ErrorKind::Retry
        );
        assert_eq!(
            InstagramError::unreadable(Some(400), "html").kind,
            ErrorKind::Permanent
        );
    }

    #[test]
    fn a_person_reads_what_to_do_then_metas_words_and_trace() {
        let e = meta(9004, Some(2207052))
            .with_user_text(
                Some("Media download failed".into()),
                Some("The media could not be fetched from https://cast.example/m/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg/video.mp4".into()),
            )
            .with_trace(Some("AbC123".into()), Some("OAuthException".into()));
        let text = e.to_string();
        assert!(
            text.starts_with("Instagram could not fetch the video from Cast's link."),
            "{text}"
        );
        assert!(text.contains("Instagram says: \"The media could not be fetched from https://cast.example/m/AbCdEf…/video.mp4\""), "{text}");
        assert!(
            text.ends_with("(code 9004, subcode 2207052, fbtrace_id AbC123)"),
            "{text}"
        );
        assert!(!text.contains("GhIjKl"), "the link's token is cut: {text}");
        assert!(e.is_fetch_failure());
    }

    #[test]
    fn lost_answers_are_told_apart_from_refusals() {
        assert!(InstagramError::unreadable(None, "cut off").answer_lost());
        assert!(InstagramError::meta(502, None, None, "".into(), false).answer_lost());
        assert!(!meta(9007, Some(2207027)).answer_lost());
        assert!(
            !InstagramError::refused("personal_account", "x", ErrorKind::Permanent).answer_lost()
        );
    }
}
