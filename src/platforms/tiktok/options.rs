//! What a TikTok target asks for, parsed into types that cannot hold bad values.
//!
//! The API's target object (`POST /api/posts`) takes JSON booleans and strings. The seed
//! endpoint's form fields (`POST /api/tiktok/upload-video`) are strings, turned into the same
//! JSON first (`from_form`), so both end in `TikTokOptions::parse` and give the same problems.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::client::TikTokError;
use super::client::privacy::PrivacyLevel;
use super::client::publish::PostInfo;
use crate::platforms::Problem;

/// TikTok counts the caption in UTF-16 code units (contract §5.1).
pub const MAX_TITLE_UTF16: usize = 2200;

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
pub enum PostMode {
    Direct,
    Inbox,
}

impl PostMode {
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

/// A TikTok target's settings. `privacy_level` is `None` only for inbox drafts, where the
/// creator picks it in the TikTok app. Interactions default to off: TikTok's rules say none is
/// on by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TikTokOptions {
    pub mode: PostMode,
    pub title: Title,
    pub privacy_level: Option<PrivacyLevel>,
    pub disable_comment: bool,
    pub disable_duet: bool,
    pub disable_stitch: bool,
    pub brand_content_toggle: bool,
    pub brand_organic_toggle: bool,
    pub is_aigc: bool,
    /// The frame TikTok shows as the cover (`post_info.video_cover_timestamp_ms`), picked on the
    /// preview's slider; unset, TikTok picks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_cover_timestamp_ms: Option<u64>,
    /// Photo posts only (§15.2): the text under the carousel, and which image is its cover.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_cover_index: Option<u32>,
}

/// The options a target object may carry (besides `platform` and `account`).
pub const FIELDS: [&str; 12] = [
    "title",
    "privacy_level",
    "mode",
    "disable_comment",
    "disable_duet",
    "disable_stitch",
    "brand_content_toggle",
    "brand_organic_toggle",
    "is_aigc",
    "video_cover_timestamp_ms",
    "description",
    "photo_cover_index",
];

/// The interaction and disclosure switches, with their defaults.
const FLAGS: [(&str, bool); 6] = [
    ("disable_comment", true),
    ("disable_duet", true),
    ("disable_stitch", true),
    ("brand_content_toggle", false),
    ("brand_organic_toggle", false),
    ("is_aigc", false),
];

impl TikTokOptions {
    /// Every problem at once, or the options.
    pub fn parse(raw: &Map<String, Value>) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        for key in raw.keys() {
            if !FIELDS.contains(&key.as_str()) {
                problems.push(Problem::new(
                    "unknown_option",
                    format!(
                        "'{}' is not a TikTok option: use {}.",
                        key.chars().take(40).collect::<String>(),
                        FIELDS.join(", ")
                    ),
                ));
            }
        }
        let p = &mut problems;
        let mode = keep(parse_mode(raw.get("mode")), p);
        let title = keep(
            text(raw.get("title"), "title").and_then(|t| Title::parse(t.unwrap_or(""))),
            p,
        );
        let privacy = keep(parse_privacy(raw.get("privacy_level"), mode), p);
        let flags = FLAGS.map(|(name, default)| keep(flag(raw.get(name), name, default), p));
        let cover = keep(cover_ms(raw.get("video_cover_timestamp_ms")), p);
        let description = keep(
            text(raw.get("description"), "description").map(|d| d.unwrap_or("").trim().to_string()),
            p,
        );
        let photo_cover = keep(cover_index(raw.get("photo_cover_index")), p);
        let (Some(mode), Some(title), Some(privacy_level)) = (mode, title, privacy) else {
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
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            mode,
            title,
            // An inbox draft carries no post settings: the creator sets them in the app.
            privacy_level: if mode == PostMode::Inbox {
                None
            } else {
                privacy_level
            },
            disable_comment,
            disable_duet,
            disable_stitch,
            brand_content_toggle,
            brand_organic_toggle,
            is_aigc,
            video_cover_timestamp_ms: cover.flatten(),
            description: description.unwrap_or_default(),
            photo_cover_index: photo_cover.flatten(),
        })
    }

    /// The options as stored: a target's row holds them as JSON.
    pub fn from_value(value: &Value) -> Result<Self, Problem> {
        serde_json::from_value(value.clone()).map_err(|e| {
            Problem::new(
                "corrupt_options",
                format!("Cast cannot read this target's TikTok options: {e}"),
            )
        })
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// A public direct post: its post id is worth waiting for.
    pub fn is_public_post(&self) -> bool {
        self.mode == PostMode::Direct && self.privacy_level == Some(PrivacyLevel::PublicToEveryone)
    }
}

/// The seed endpoint's form fields (all strings) as the API's JSON: "true"/"1"/"on"/"yes" and
/// "false"/"0"/"off"/"no" are booleans there, and an empty field is left out.
pub fn from_form<'a>(
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Map<String, Value>, Vec<Problem>> {
    let mut out = Map::new();
    let mut problems = Vec::new();
    for (name, value) in fields {
        let v = value.trim();
        if v.is_empty() {
            continue;
        }
        if FLAGS.iter().any(|(n, _)| *n == name) {
            match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "on" | "yes" => {
                    out.insert(name.to_string(), Value::Bool(true));
                }
                "false" | "0" | "off" | "no" => {
                    out.insert(name.to_string(), Value::Bool(false));
                }
                _ => problems.push(Problem::new(
                    "invalid_field",
                    format!("{name} must be true or false, not '{v}'."),
                )),
            }
        } else if name == "video_cover_timestamp_ms" {
            match v.parse::<u64>() {
                Ok(ms) => {
                    out.insert(name.to_string(), Value::from(ms));
                }
                Err(_) => problems.push(Problem::new(
                    "invalid_field",
                    format!("{name} must be a whole number of milliseconds, not '{v}'."),
                )),
            }
        } else if FIELDS.contains(&name) {
            // The title keeps its own spaces (trimmed by `Title::parse` alike).
            let kept = if name == "title" { value } else { v };
            out.insert(name.to_string(), Value::String(kept.to_string()));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The value, or `None` with its problem noted, so parsing carries on to find the others.
fn keep<T>(r: Result<T, Problem>, problems: &mut Vec<Problem>) -> Option<T> {
    r.map_err(|e| problems.push(e)).ok()
}

fn text<'a>(raw: Option<&'a Value>, name: &str) -> Result<Option<&'a str>, Problem> {
    match raw {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(Problem::new(
            "invalid_field",
            format!("{name} must be a string."),
        )),
    }
}

fn parse_mode(raw: Option<&Value>) -> Result<PostMode, Problem> {
    match text(raw, "mode")?.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(PostMode::Direct),
        Some(s) => PostMode::parse(s).ok_or_else(|| {
            Problem::new(
                "invalid_mode",
                format!(
                    "mode '{s}' is unknown: use 'direct' (post now) or 'inbox' (send as a draft)."
                ),
            )
        }),
    }
}

fn parse_privacy(
    raw: Option<&Value>,
    mode: Option<PostMode>,
) -> Result<Option<PrivacyLevel>, Problem> {
    match (
        text(raw, "privacy_level")?
            .map(str::trim)
            .filter(|s| !s.is_empty()),
        mode,
    ) {
        (Some(s), _) => PrivacyLevel::parse(s).map(Some).ok_or_else(|| {
            Problem::new(
                "invalid_privacy_level",
                format!(
                    "privacy_level '{s}' is unknown: use PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR or SELF_ONLY."
                ),
            )
        }),
        // TikTok's rules: no default privacy; the user must pick one for a direct post.
        (None, Some(PostMode::Direct)) => Err(Problem::new(
            "privacy_level_required",
            "Choose who can see the post (privacy_level): there is no default.",
        )),
        (None, _) => Ok(None),
    }
}

/// Milliseconds into the video: a non-negative whole number.
/// `photo_cover_index`: a whole number from 0 (a digit string, from a form, is taken too).
pub fn cover_index(raw: Option<&Value>) -> Result<Option<u32>, Problem> {
    let bad = |v: &dyn std::fmt::Display| {
        Problem::new(
            "invalid_field",
            format!(
                "photo_cover_index must be the cover image's place, counted from 0 (0 is the first image), not {v}."
            ),
        )
    };
    match raw {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse::<u32>().map(Some).map_err(|_| bad(s)),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad(v)),
    }
}

fn cover_ms(raw: Option<&Value>) -> Result<Option<u64>, Problem> {
    match raw {
        None | Some(Value::Null) => Ok(None),
        Some(v) if v.as_u64().is_some() => Ok(v.as_u64()),
        Some(other) => Err(Problem::new(
            "invalid_field",
            format!(
                "video_cover_timestamp_ms must be a whole number of milliseconds into the video, such as 1500, not {other}."
            ),
        )),
    }
}

fn flag(raw: Option<&Value>, name: &str, default: bool) -> Result<bool, Problem> {
    match raw {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(Problem::new(
            "invalid_field",
            format!("{name} must be true or false (a JSON boolean), not {other}."),
        )),
    }
}

impl TikTokOptions {
    /// What a direct post's init carries (file upload and pull alike); refused without a privacy
    /// level, which the owner must always choose.
    pub fn direct_post_info(&self) -> Result<PostInfo, TikTokError> {
        let Some(privacy_level) = self.privacy_level else {
            return Err(TikTokError::new(
                "privacy_level_required",
                "This post has no privacy level.",
                Some(400),
            ));
        };
        Ok(PostInfo {
            privacy_level,
            title: self.title.as_str().to_string(),
            disable_comment: self.disable_comment,
            disable_duet: self.disable_duet,
            disable_stitch: self.disable_stitch,
            brand_content_toggle: self.brand_content_toggle,
            brand_organic_toggle: self.brand_organic_toggle,
            is_aigc: self.is_aigc,
            video_cover_timestamp_ms: self.video_cover_timestamp_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<TikTokOptions, Vec<Problem>> {
        TikTokOptions::parse(v.as_object().expect("an object"))
    }

    #[test]
    fn the_cover_frame_is_milliseconds_into_the_video_or_refused() {
        let o = parse(json!({"privacy_level": "SELF_ONLY", "video_cover_timestamp_ms": 1500}))
            .expect("parses");
        assert_eq!(o.video_cover_timestamp_ms, Some(1500));
        for bad in [json!(-1), json!("1500"), json!(1.5)] {
            let e = parse(json!({"privacy_level": "SELF_ONLY", "video_cover_timestamp_ms": bad}))
                .expect_err("refused");
            assert!(e[0].message.contains("milliseconds"), "{:?}", e);
        }
        // Options stored before the cover existed still read.
        let old = json!({"mode": "direct", "title": "", "privacy_level": "SELF_ONLY",
            "disable_comment": true, "disable_duet": true, "disable_stitch": true,
            "brand_content_toggle": false, "brand_organic_toggle": false, "is_aigc": false});
        assert_eq!(
            TikTokOptions::from_value(&old)
                .expect("reads")
                .video_cover_timestamp_ms,
            None
        );
    }

    fn codes(r: Result<TikTokOptions, Vec<Problem>>) -> Vec<&'static str> {
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
        assert_eq!(codes(parse(json!({}))), ["privacy_level_required"]);
        let inbox = parse(json!({"mode": "inbox", "privacy_level": "SELF_ONLY"})).expect("ok");
        assert_eq!(inbox.mode, PostMode::Inbox);
        assert_eq!(inbox.privacy_level, None);
    }

    #[test]
    fn interactions_are_off_unless_switched_on() {
        let o = parse(json!({"privacy_level": "SELF_ONLY", "disable_duet": false})).expect("ok");
        assert!(o.disable_comment);
        assert!(!o.disable_duet);
        assert!(o.disable_stitch);
        assert!(!o.brand_content_toggle);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let got = codes(parse(json!({
            "mode": "story",
            "privacy_level": "EVERYONE",
            "is_aigc": "maybe",
            "colour": "red",
        })));
        assert_eq!(
            got,
            [
                "unknown_option",
                "invalid_mode",
                "invalid_privacy_level",
                "invalid_field"
            ]
        );
    }

    #[test]
    fn options_are_json_booleans_never_strings() {
        assert_eq!(
            codes(parse(
                json!({"privacy_level": "SELF_ONLY", "is_aigc": "true"})
            )),
            ["invalid_field"]
        );
        assert_eq!(codes(parse(json!({"privacy_level": 3}))), ["invalid_field"]);
    }

    #[test]
    fn form_fields_become_the_same_json() {
        let map = from_form([
            ("privacy_level", "SELF_ONLY"),
            ("disable_duet", "false"),
            ("is_aigc", "on"),
            ("title", "  hi #cast "),
            ("open_id", "ignored"),
            ("mode", ""),
        ])
        .expect("valid");
        assert_eq!(
            Value::Object(map),
            json!({"privacy_level": "SELF_ONLY", "disable_duet": false, "is_aigc": true, "title": "  hi #cast "})
        );
        let bad = from_form([("is_aigc", "maybe")]).expect_err("refused");
        assert_eq!(bad[0].code, "invalid_field");
    }

    #[test]
    fn options_survive_the_json_column() {
        let o =
            parse(json!({"privacy_level": "PUBLIC_TO_EVERYONE", "title": "hi #cast"})).expect("ok");
        let back = TikTokOptions::from_value(&o.to_value()).expect("parse");
        assert_eq!(back, o);
        assert!(back.is_public_post());
    }
}
