//! What a user asks for when posting, parsed into types that cannot hold bad values.
//!
//! `RawPost` is the form as received (all strings); `PostRequest::parse` turns it into a request
//! or the list of everything wrong with it, so one answer can name every problem at once.

use serde::{Deserialize, Serialize};

use super::Problem;
use crate::platforms::tiktok::client::privacy::PrivacyLevel;

/// TikTok counts the caption in UTF-16 code units (contract §5.1).
pub const MAX_TITLE_UTF16: usize = 2200;
/// A `publish_at` this far in the past is taken as "now" (clocks and slow uploads differ a little).
const PAST_TOLERANCE_SECS: i64 = 5 * 60;

/// A caption TikTok will take: at most 2200 UTF-16 code units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Title(String);

impl Title {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let title = raw.trim();
        let units = title.encode_utf16().count();
        if units > MAX_TITLE_UTF16 {
            return Err(Problem::new(
                "title_too_long",
                format!(
                    "The title is {units} characters long as TikTok counts them; TikTok takes at most {MAX_TITLE_UTF16}. Shorten it."
                ),
            ));
        }
        Ok(Self(title.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Title {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Title::parse(&s).map_err(|p| p.message)
    }
}

impl From<Title> for String {
    fn from(t: Title) -> String {
        t.0
    }
}

/// Direct post ("Post now", "Schedule") or the creator's inbox ("Send as draft").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Direct,
    Inbox,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Inbox => "inbox",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "direct" => Some(Self::Direct),
            "inbox" => Some(Self::Inbox),
            _ => None,
        }
    }
}

/// The post's settings. `privacy_level` is `None` only for inbox drafts, where the creator picks
/// it in the TikTok app. Interactions default to off: TikTok's rules say none is on by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostOptions {
    pub title: Title,
    pub privacy_level: Option<PrivacyLevel>,
    pub disable_comment: bool,
    pub disable_duet: bool,
    pub disable_stitch: bool,
    pub brand_content_toggle: bool,
    pub brand_organic_toggle: bool,
    pub is_aigc: bool,
}

/// The form's text fields, as sent.
#[derive(Debug, Clone, Default)]
pub struct RawPost {
    pub title: Option<String>,
    pub privacy_level: Option<String>,
    pub mode: Option<String>,
    pub open_id: Option<String>,
    pub disable_comment: Option<String>,
    pub disable_duet: Option<String>,
    pub disable_stitch: Option<String>,
    pub brand_content_toggle: Option<String>,
    pub brand_organic_toggle: Option<String>,
    pub is_aigc: Option<String>,
    pub publish_at: Option<String>,
}

impl RawPost {
    /// Sets a field by its form name; `false` for a name the form does not have.
    pub fn set(&mut self, name: &str, value: String) -> bool {
        let slot = match name {
            "title" => &mut self.title,
            "privacy_level" => &mut self.privacy_level,
            "mode" => &mut self.mode,
            "open_id" => &mut self.open_id,
            "disable_comment" => &mut self.disable_comment,
            "disable_duet" => &mut self.disable_duet,
            "disable_stitch" => &mut self.disable_stitch,
            "brand_content_toggle" => &mut self.brand_content_toggle,
            "brand_organic_toggle" => &mut self.brand_organic_toggle,
            "is_aigc" => &mut self.is_aigc,
            "publish_at" => &mut self.publish_at,
            _ => return false,
        };
        *slot = Some(value);
        true
    }
}

/// A request that parsed: the creator-dependent rules are checked later, against fresh creator info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRequest {
    pub open_id: Option<String>,
    pub mode: Mode,
    pub options: PostOptions,
    /// Unix seconds; `None` means now.
    pub publish_at: Option<i64>,
}

impl PostRequest {
    pub fn parse(raw: &RawPost, now: i64) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let p = &mut problems;
        let mode = keep(parse_mode(raw.mode.as_deref()), p);
        let title = keep(Title::parse(raw.title.as_deref().unwrap_or("")), p);
        let privacy = keep(parse_privacy(raw.privacy_level.as_deref(), mode), p);
        let publish_at = keep(parse_publish_at(raw.publish_at.as_deref(), now), p);
        // Unticked means disabled: the posting screen has every interaction off by default.
        let flags = [
            (&raw.disable_comment, "disable_comment", true),
            (&raw.disable_duet, "disable_duet", true),
            (&raw.disable_stitch, "disable_stitch", true),
            (&raw.brand_content_toggle, "brand_content_toggle", false),
            (&raw.brand_organic_toggle, "brand_organic_toggle", false),
            (&raw.is_aigc, "is_aigc", false),
        ]
        .map(|(value, name, default)| keep(flag(value, name, default), p));
        let (Some(mode), Some(title), Some(privacy_level), Some(publish_at)) =
            (mode, title, privacy, publish_at)
        else {
            return Err(problems);
        };
        let [
            Some(disable_comment),
            Some(disable_duet),
            Some(disable_stitch),
            Some(brand_content_toggle),
            Some(brand_organic_toggle),
            Some(is_aigc),
        ] = flags
        else {
            return Err(problems);
        };
        Ok(PostRequest {
            open_id: raw.open_id.clone().filter(|s| !s.trim().is_empty()),
            mode,
            options: PostOptions {
                title,
                privacy_level,
                disable_comment,
                disable_duet,
                disable_stitch,
                brand_content_toggle,
                brand_organic_toggle,
                is_aigc,
            },
            publish_at,
        })
    }
}

/// The value, or `None` with its problem noted, so parsing carries on to find the others.
fn keep<T>(r: Result<T, Problem>, problems: &mut Vec<Problem>) -> Option<T> {
    r.map_err(|e| problems.push(e)).ok()
}

fn parse_mode(raw: Option<&str>) -> Result<Mode, Problem> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Mode::Direct),
        Some(s) => Mode::parse(s).ok_or_else(|| {
            Problem::new(
                "invalid_mode",
                format!(
                    "mode '{s}' is unknown: use 'direct' (post now) or 'inbox' (send as a draft)."
                ),
            )
        }),
    }
}

fn parse_privacy(raw: Option<&str>, mode: Option<Mode>) -> Result<Option<PrivacyLevel>, Problem> {
    match (raw.map(str::trim).filter(|s| !s.is_empty()), mode) {
        (Some(s), _) => PrivacyLevel::parse(s).map(Some).ok_or_else(|| {
            Problem::new(
                "invalid_privacy_level",
                format!(
                    "privacy_level '{s}' is unknown: use PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR or SELF_ONLY."
                ),
            )
        }),
        // TikTok's rules: no default privacy; the user must pick one for a direct post.
        (None, Some(Mode::Direct)) => Err(Problem::new(
            "privacy_level_required",
            "Choose who can see the post (privacy_level): there is no default.",
        )),
        (None, _) => Ok(None),
    }
}

fn parse_publish_at(raw: Option<&str>, now: i64) -> Result<Option<i64>, Problem> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let at = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            Problem::new(
                "invalid_publish_at",
                format!("publish_at '{s}' is not an RFC 3339 time, e.g. 2026-12-01T18:00:00Z."),
            )
        })?
        .unix_timestamp();
    if at < now - PAST_TOLERANCE_SECS {
        return Err(Problem::new(
            "publish_at_in_the_past",
            format!("publish_at '{s}' is in the past. Leave it out to post now."),
        ));
    }
    Ok((at > now).then_some(at))
}

fn flag(raw: &Option<String>, name: &str, default: bool) -> Result<bool, Problem> {
    let Some(v) = raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(default);
    };
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Ok(true),
        "false" | "0" | "off" | "no" => Ok(false),
        _ => Err(Problem::new(
            "invalid_field",
            format!("{name} must be true or false, not '{v}'."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn raw(pairs: &[(&str, &str)]) -> RawPost {
        let mut r = RawPost::default();
        for (k, v) in pairs {
            assert!(r.set(k, v.to_string()), "{k}");
        }
        r
    }

    fn codes(r: Result<PostRequest, Vec<Problem>>) -> Vec<&'static str> {
        r.expect_err("refused").iter().map(|p| p.code).collect()
    }

    #[test]
    fn titles_are_measured_in_utf16_units() {
        assert!(Title::parse(&"a".repeat(2200)).is_ok());
        assert_eq!(
            Title::parse(&"a".repeat(2201)).expect_err("long").code,
            "title_too_long"
        );
        // An emoji is two UTF-16 units: 1100 of them fill the limit, 1101 exceed it.
        assert!(Title::parse(&"😀".repeat(1100)).is_ok());
        assert!(Title::parse(&"😀".repeat(1101)).is_err());
        assert_eq!(Title::parse("  hi  ").expect("ok").as_str(), "hi");
    }

    #[test]
    fn a_direct_post_needs_a_privacy_level_and_an_inbox_draft_does_not() {
        assert_eq!(
            codes(PostRequest::parse(&raw(&[]), NOW)),
            ["privacy_level_required"]
        );
        let inbox = PostRequest::parse(&raw(&[("mode", "inbox")]), NOW).expect("ok");
        assert_eq!(inbox.mode, Mode::Inbox);
        assert_eq!(inbox.options.privacy_level, None);
    }

    #[test]
    fn interactions_are_off_unless_switched_on() {
        let r = PostRequest::parse(
            &raw(&[("privacy_level", "SELF_ONLY"), ("disable_duet", "false")]),
            NOW,
        )
        .expect("ok");
        assert!(r.options.disable_comment);
        assert!(!r.options.disable_duet);
        assert!(r.options.disable_stitch);
        assert!(!r.options.brand_content_toggle);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let got = codes(PostRequest::parse(
            &raw(&[
                ("mode", "story"),
                ("privacy_level", "EVERYONE"),
                ("is_aigc", "maybe"),
                ("publish_at", "tomorrow"),
            ]),
            NOW,
        ));
        assert_eq!(
            got,
            [
                "invalid_mode",
                "invalid_privacy_level",
                "invalid_publish_at",
                "invalid_field"
            ]
        );
    }

    #[test]
    fn publish_at_in_the_future_schedules_and_now_ish_does_not() {
        let future = PostRequest::parse(
            &raw(&[
                ("privacy_level", "SELF_ONLY"),
                ("publish_at", "2027-02-01T08:00:00Z"),
            ]),
            NOW,
        )
        .expect("ok");
        assert_eq!(
            future.publish_at,
            Some(time::macros::datetime!(2027-02-01 08:00 UTC).unix_timestamp())
        );
        let past = PostRequest::parse(
            &raw(&[
                ("privacy_level", "SELF_ONLY"),
                ("publish_at", "2020-01-01T00:00:00Z"),
            ]),
            NOW,
        );
        assert_eq!(codes(past), ["publish_at_in_the_past"]);
    }

    #[test]
    fn options_survive_the_json_column() {
        let r = PostRequest::parse(
            &raw(&[
                ("privacy_level", "PUBLIC_TO_EVERYONE"),
                ("title", "hi #cast"),
            ]),
            NOW,
        )
        .expect("ok");
        let json = serde_json::to_string(&r.options).expect("json");
        let back: PostOptions = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, r.options);
    }
}
