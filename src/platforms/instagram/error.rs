//! Instagram's failures as one type that says what to do next (contract sections 1, 9 and 12):
//! classified by `error_subcode` first, then by `code`, then by HTTP status.

use std::time::Duration;

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

#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.describe())]
pub struct InstagramError {
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
        Self {
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
        }
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
            Origin::Unreadable => self.http_status.is_none_or(|s| s >= 500 || s < 400),
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

/// What each known failure means for the owner, and what they can do.
fn explain(code: Option<i64>, subcode: Option<i64>) -> Option<&'static str> {
    let by_sub = match subcode {
        Some(2207003) => Some(
            "Instagram took too long to download the video from Cast's link. Cast will try once more with a new link; if it fails again, check your tunnel's speed.",
        ),
        Some(2207020) => Some(
            "The upload expired at Instagram before it was published. Cast will start it again.",
        ),
        Some(2207001) => Some("Instagram had a problem on its side. Cast will try again shortly."),
        Some(2207032 | 2207053) => {
            Some("Instagram could not prepare the upload. Cast will start it again once.")
        }
        Some(2207057) => Some(
            "The cover frame is outside the video. Pick a cover time within the video's length.",
        ),
        Some(2207051) => Some(
            "Instagram restricted this account's activity to protect its community. Cast will not post to it for an hour; check the Instagram app.",
        ),
        Some(2207042) => Some(
            "This account has reached Instagram's limit of posts through apps for 24 hours. Cast will post when the limit resets.",
        ),
        Some(2207006) => Some(
            "Instagram no longer finds the upload. Cast will check the account's connection and start it again.",
        ),
        Some(2207008) => {
            Some("Instagram no longer knows the upload. Cast will try again, then start it again.")
        }
        Some(2207050) => Some(
            "The Instagram account is restricted, inactive or needs attention: open the Instagram app and clear what it asks, then retry.",
        ),
        Some(2207023) => Some(
            "Instagram did not recognise the media type Cast sent. This is a bug in Cast; please report it.",
        ),
        Some(2207040) => {
            Some("The caption tags more than 20 accounts. Remove some @-mentions and retry.")
        }
        Some(2207010) => Some("The caption is longer than 2,200 characters. Shorten it and retry."),
        Some(2207026) => Some(
            "Instagram does not accept this video's format. Export it as MP4 (H.264, AAC audio, 30 fps, at most 1920 pixels wide, index at the front) and retry.",
        ),
        Some(2207052 | 2207076 | 2207077 | 2207082) => Some(
            "Instagram could not fetch the video from Cast's link. Check that BASE_URL reaches Cast from the internet through your tunnel, that nothing in front of it (Cloudflare Bot Fight Mode, a login page) blocks non-browser clients, and see the link's fetch log.",
        ),
        Some(2207027) => {
            Some("Instagram is still processing the video. Cast will wait and publish it then.")
        }
        Some(2207004) => Some("The cover image is larger than 8 MB. Pick a smaller one."),
        Some(2207005) => Some("Instagram does not accept the cover image's format. Use a JPEG."),
        Some(2207009) => {
            Some("The cover image's shape is out of Instagram's range. Use a 9:16 image.")
        }
        Some(2207018) => Some(
            "Instagram could not tag a collaborator. Check the usernames (without @) and retry.",
        ),
        _ => None,
    };
    by_sub.or(match code {
        Some(1 | 2) => Some("Instagram had a problem on its side. Cast will try again shortly."),
        Some(4 | 17 | 32 | 613 | 80002) => {
            Some("Instagram is limiting how often Cast may call it. Cast will try again later.")
        }
        Some(190) => Some(
            "Instagram no longer accepts this account's sign-in. Connect the account again from the dashboard.",
        ),
        Some(10 | 200..=299) => Some(
            "Instagram says Cast lacks a permission for this account. Connect the account again and allow every permission asked.",
        ),
        Some(368) => Some("Instagram has temporarily blocked this action for policy reasons."),
        Some(9004) => Some("Instagram could not fetch the video from Cast's link."),
        Some(9) => Some("This account has reached an Instagram limit. Cast will try again when it resets."),
        Some(100) => Some("Instagram refused a value Cast sent."),
        _ => None,
    })
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

/// Meta quotes the `video_url` in some errors; a link's path is its secret, so only the
/// token's first 6 characters stay (`/m/AbCdEf…/video.mp4`). Access tokens (`IGAA…`,
/// `EAA…`) are cut the same way.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("/m/") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let token_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
            .count();
        if token_len >= 20 && rest[token_len..].starts_with('/') {
            out.push_str(&rest[..6]);
            out.push('…');
            rest = &rest[token_len..];
        }
    }
    out.push_str(rest);
    redact_tokens(&out)
}

fn redact_tokens(text: &str) -> String {
    text.split_inclusive(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .map(|part| {
            let word = part
                .trim_end_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            if (word.starts_with("IGAA") || word.starts_with("EAA")) && word.len() > 40 {
                part.replacen(word, &format!("{}…", &word[..8]), 1)
            } else {
                part.to_string()
            }
        })
        .collect()
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
    fn tokens_never_survive_into_messages() {
        let token = format!("IGAA{}", "x".repeat(170));
        let text = redact(&format!("Invalid token {token}."));
        assert!(!text.contains(&token));
        assert!(text.contains("IGAAxxxx…"), "{text}");
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
