//! The metadata rules of contract section 4.2, checked before anything is sent. `check` reports
//! every problem of a target at once, each with a stable code and a message that says what to
//! do, and on success hands back `Metadata`, which cannot hold a value YouTube would refuse.

use serde::Serialize;
use serde_json::{Value, json};

use super::options::{Privacy, PrivacyChoice, YouTubeOptions};

pub const TITLE_MAX_UNITS: usize = 100;
pub const DESCRIPTION_MAX_BYTES: usize = 5000;
pub const TAGS_MAX_UNITS: usize = 500;
/// People & Blogs: what YouTube Studio picks when the uploader does not.
pub const DEFAULT_CATEGORY: &str = "22";
/// Cast's own margin for a schedule (contract section 11): a slow upload cannot land in the past.
pub const SCHEDULE_MARGIN_MS: i64 = 15 * 60 * 1000;

/// One reason a target cannot be sent as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: &'static str,
    /// The option it is about, as `YouTubeOptions` names it (`publish_at` is the post's).
    pub field: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            field,
            message: message.into(),
        }
    }
}

/// What the rules need besides the options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    pub now_ms: i64,
    /// The post's schedule, if any (Unix milliseconds).
    pub publish_at_ms: Option<i64>,
    /// Assignable ids from `videoCategories.list`, when Cast has them; without them only the
    /// shape of the id is checked and YouTube has the last word.
    pub assignable_categories: Option<&'a [String]>,
}

/// A target's metadata once every rule holds: what the initiation sends (contract 4.1, 4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    title: String,
    description: String,
    tags: Vec<String>,
    category_id: String,
    privacy: Privacy,
    publish_at_ms: Option<i64>,
    made_for_kids: bool,
    synthetic_media: bool,
    notify_subscribers: bool,
}

impl Metadata {
    pub fn title(&self) -> &str {
        &self.title
    }
    /// What the owner asked for; a schedule is sent as `private` plus `publishAt`.
    pub fn privacy(&self) -> Privacy {
        self.privacy
    }
    pub fn publish_at_ms(&self) -> Option<i64> {
        self.publish_at_ms
    }
    pub fn notify_subscribers(&self) -> bool {
        self.notify_subscribers
    }

    /// The `video` resource of the initiation's body (`part=snippet,status`).
    pub fn resource(&self) -> Value {
        let mut status = json!({
            "privacyStatus": self.privacy.as_str(),
            "selfDeclaredMadeForKids": self.made_for_kids,
            "containsSyntheticMedia": self.synthetic_media,
        });
        if let Some(at) = self.publish_at_ms {
            status["privacyStatus"] = json!(Privacy::Private.as_str());
            status["publishAt"] = json!(utc(at));
        }
        let mut snippet = json!({
            "title": self.title,
            "description": self.description,
            "categoryId": self.category_id,
        });
        if !self.tags.is_empty() {
            snippet["tags"] = json!(self.tags);
        }
        json!({"snippet": snippet, "status": status})
    }
}

/// `2026-12-01T20:15:00Z`: whole seconds in UTC, as the contract asks for `publishAt`.
fn utc(ms: i64) -> String {
    jiff::Timestamp::from_second(ms.div_euclid(1000))
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// YouTube counts title and tag "characters" in a way it does not document (Unsure 14); UTF-16
/// code units are never fewer than code points, so a text that passes here passes there.
pub fn utf16_units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The tags' length as YouTube counts it: commas between tags count, and a tag containing a
/// space counts as if quoted (`Foo-Baz` is 7, `Foo Baz` is 9).
pub fn tags_length(tags: &[String]) -> usize {
    let own: usize = tags
        .iter()
        .map(|t| utf16_units(t) + if t.contains(' ') { 2 } else { 0 })
        .sum();
    own + tags.len().saturating_sub(1)
}

fn has_angle_brackets(s: &str) -> bool {
    s.contains(['<', '>'])
}

pub fn check(options: &YouTubeOptions, ctx: &Context<'_>) -> Result<Metadata, Vec<Problem>> {
    let mut problems = Vec::new();
    let title = options.title.trim().to_string();
    check_title(&title, &mut problems);
    check_description(&options.description, &mut problems);
    let tags: Vec<String> = options.tags.iter().map(|t| t.trim().to_string()).collect();
    check_tags(&tags, &mut problems);
    let category_id = check_category(options.category_id.as_deref(), ctx, &mut problems);
    let privacy = check_privacy(options.privacy_status.as_ref(), ctx, &mut problems);
    let made_for_kids = options.made_for_kids;
    if made_for_kids.is_none() {
        problems.push(Problem::new(
            "made_for_kids_required",
            "made_for_kids",
            "Say whether this video is made for kids: YouTube requires the answer, and Cast does not guess it.",
        ));
    }
    let synthetic_media = options.synthetic_media;
    if synthetic_media.is_none() {
        problems.push(Problem::new(
            "synthetic_media_required",
            "synthetic_media",
            "Say whether this video contains altered or synthetic content that looks real (a real person saying or doing what they did not, altered footage of a real event or place, or a realistic scene that never happened).",
        ));
    }
    match (privacy, made_for_kids, synthetic_media) {
        (Some(privacy), Some(made_for_kids), Some(synthetic_media)) if problems.is_empty() => {
            Ok(Metadata {
                title,
                description: options.description.clone(),
                tags,
                category_id,
                privacy,
                publish_at_ms: ctx.publish_at_ms,
                made_for_kids,
                synthetic_media,
                notify_subscribers: options.notify_subscribers.unwrap_or(true),
            })
        }
        _ => Err(problems),
    }
}

fn check_title(title: &str, problems: &mut Vec<Problem>) {
    if title.is_empty() {
        problems.push(Problem::new(
            "title_required",
            "title",
            "Give the video a YouTube title: YouTube refuses a video without one.",
        ));
        return;
    }
    let units = utf16_units(title);
    if units > TITLE_MAX_UNITS {
        problems.push(Problem::new(
            "title_too_long",
            "title",
            format!(
                "The YouTube title is {units} characters long; YouTube allows {TITLE_MAX_UNITS} (an emoji counts as 2). Shorten it by {}.",
                units - TITLE_MAX_UNITS
            ),
        ));
    }
    if has_angle_brackets(title) {
        problems.push(Problem::new(
            "title_angle_brackets",
            "title",
            "Remove the < and > characters from the YouTube title: YouTube refuses them.",
        ));
    }
}

fn check_description(description: &str, problems: &mut Vec<Problem>) {
    let bytes = description.len();
    if bytes > DESCRIPTION_MAX_BYTES {
        problems.push(Problem::new(
            "description_too_long",
            "description",
            format!(
                "The YouTube description takes {bytes} bytes; YouTube allows {DESCRIPTION_MAX_BYTES} (letters outside English and emoji take 2 to 4 bytes each). Shorten it by {} bytes.",
                bytes - DESCRIPTION_MAX_BYTES
            ),
        ));
    }
    if has_angle_brackets(description) {
        problems.push(Problem::new(
            "description_angle_brackets",
            "description",
            "Remove the < and > characters from the YouTube description: YouTube refuses them.",
        ));
    }
}

fn check_tags(tags: &[String], problems: &mut Vec<Problem>) {
    if tags.iter().any(String::is_empty) {
        problems.push(Problem::new(
            "tag_empty",
            "tags",
            "Remove the empty tag: every YouTube tag needs at least one character.",
        ));
    }
    if tags.iter().any(|t| has_angle_brackets(t)) {
        problems.push(Problem::new(
            "tag_angle_brackets",
            "tags",
            "Remove the < and > characters from the tags: YouTube refuses them.",
        ));
    }
    let length = tags_length(tags);
    if length > TAGS_MAX_UNITS {
        problems.push(Problem::new(
            "tags_too_long",
            "tags",
            format!(
                "The tags come to {length} characters as YouTube counts them (commas between tags count, and a tag with a space counts 2 more for its quotes); YouTube allows {TAGS_MAX_UNITS}. Remove some tags."
            ),
        ));
    }
}

fn check_category(
    category: Option<&str>,
    ctx: &Context<'_>,
    problems: &mut Vec<Problem>,
) -> String {
    let id = category
        .map(str::trim)
        .unwrap_or(DEFAULT_CATEGORY)
        .to_string();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        problems.push(Problem::new(
            "category_invalid",
            "category_id",
            format!("'{id}' is not a YouTube category id: pick a category from the list, for example 22 (People & Blogs)."),
        ));
    } else if ctx
        .assignable_categories
        .is_some_and(|list| !list.contains(&id))
    {
        problems.push(Problem::new(
            "category_not_assignable",
            "category_id",
            format!("YouTube does not let uploads use category {id}: pick another category from the list."),
        ));
    }
    id
}

fn check_privacy(
    choice: Option<&PrivacyChoice>,
    ctx: &Context<'_>,
    problems: &mut Vec<Problem>,
) -> Option<Privacy> {
    let privacy = match choice {
        None => {
            problems.push(Problem::new(
                "privacy_required",
                "privacy_status",
                "Choose who can watch the video on YouTube: public, unlisted or private.",
            ));
            None
        }
        Some(PrivacyChoice::Unknown(raw)) => {
            problems.push(Problem::new(
                "privacy_invalid",
                "privacy_status",
                format!(
                    "'{raw}' is not a YouTube privacy setting: choose public, unlisted or private."
                ),
            ));
            None
        }
        Some(PrivacyChoice::Known(p)) => Some(*p),
    };
    if let Some(at) = ctx.publish_at_ms {
        // YouTube schedules by keeping the video private until `publishAt`, then making it public.
        if privacy.is_some_and(|p| p != Privacy::Public) {
            problems.push(Problem::new(
                "schedule_needs_public",
                "privacy_status",
                "A scheduled YouTube video goes public at its time: choose public, or remove the schedule to upload it unlisted or private now.",
            ));
        }
        if at < ctx.now_ms.saturating_add(SCHEDULE_MARGIN_MS) {
            problems.push(Problem::new(
                "publish_at_too_soon",
                "publish_at",
                "Schedule the YouTube video at least 15 minutes ahead, so the upload cannot finish after its time; or publish it now.",
            ));
        }
    }
    privacy
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> YouTubeOptions {
        YouTubeOptions {
            title: "My first Short".into(),
            description: "Made with Cast".into(),
            privacy_status: Some(PrivacyChoice::Known(Privacy::Public)),
            made_for_kids: Some(false),
            synthetic_media: Some(false),
            ..YouTubeOptions::default()
        }
    }

    fn codes(o: &YouTubeOptions, ctx: &Context<'_>) -> Vec<&'static str> {
        match check(o, ctx) {
            Ok(_) => vec![],
            Err(p) => p.into_iter().map(|p| p.code).collect(),
        }
    }

    #[test]
    fn good_options_become_the_resource_youtube_expects() {
        let m = check(&good(), &Context::default()).expect("valid");
        assert_eq!(
            m.resource(),
            json!({
                "snippet": {"title": "My first Short", "description": "Made with Cast", "categoryId": "22"},
                "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": false, "containsSyntheticMedia": false},
            })
        );
        assert!(m.notify_subscribers());
    }

    #[test]
    fn a_title_of_100_units_passes_and_101_does_not() {
        let mut o = good();
        o.title = "a".repeat(100);
        assert!(codes(&o, &Context::default()).is_empty());
        o.title = "a".repeat(101);
        assert_eq!(codes(&o, &Context::default()), ["title_too_long"]);
    }

    #[test]
    fn an_emoji_counts_as_two_title_units() {
        let mut o = good();
        o.title = format!("{}😀", "a".repeat(98));
        assert!(codes(&o, &Context::default()).is_empty());
        o.title = format!("{}😀", "a".repeat(99));
        assert_eq!(codes(&o, &Context::default()), ["title_too_long"]);
    }

    #[test]
    fn the_description_is_counted_in_bytes() {
        let mut o = good();
        o.description = "é".repeat(2500);
        assert!(codes(&o, &Context::default()).is_empty());
        o.description.push('a');
        assert_eq!(codes(&o, &Context::default()), ["description_too_long"]);
    }

    #[test]
    fn tags_count_commas_and_quotes() {
        assert_eq!(tags_length(&["Foo-Baz".into()]), 7);
        assert_eq!(tags_length(&["Foo Baz".into()]), 9);
        assert_eq!(tags_length(&["ab".into(), "c d".into()]), 2 + 1 + 5);
        let mut o = good();
        // 50 tags of 9 characters and 49 commas: 499.
        o.tags = vec!["abcdefghi".into(); 50];
        assert!(codes(&o, &Context::default()).is_empty());
        o.tags.push("x".into());
        assert_eq!(codes(&o, &Context::default()), ["tags_too_long"]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let o = YouTubeOptions {
            title: " <b> ".into(),
            description: "a > b".into(),
            tags: vec!["".into()],
            category_id: Some("music".into()),
            privacy_status: Some(PrivacyChoice::Unknown("friends".into())),
            ..YouTubeOptions::default()
        };
        assert_eq!(
            codes(&o, &Context::default()),
            [
                "title_angle_brackets",
                "description_angle_brackets",
                "tag_empty",
                "category_invalid",
                "privacy_invalid",
                "made_for_kids_required",
                "synthetic_media_required",
            ]
        );
        let mut empty = good();
        empty.title = "   ".into();
        empty.privacy_status = None;
        assert_eq!(
            codes(&empty, &Context::default()),
            ["title_required", "privacy_required"]
        );
    }

    #[test]
    fn a_category_must_be_assignable_when_the_list_is_known() {
        let list = vec!["22".to_string(), "10".to_string()];
        let ctx = Context {
            assignable_categories: Some(&list),
            ..Context::default()
        };
        let mut o = good();
        o.category_id = Some("10".into());
        assert!(codes(&o, &ctx).is_empty());
        o.category_id = Some("42".into());
        assert_eq!(codes(&o, &ctx), ["category_not_assignable"]);
    }

    #[test]
    fn a_schedule_is_public_later_and_sent_as_private_with_publish_at() {
        let now = 1_800_000_000_000;
        let at = now + SCHEDULE_MARGIN_MS;
        let ctx = Context {
            now_ms: now,
            publish_at_ms: Some(at),
            ..Context::default()
        };
        let m = check(&good(), &ctx).expect("valid");
        assert_eq!(m.resource()["status"]["privacyStatus"], "private");
        assert_eq!(m.resource()["status"]["publishAt"], "2027-01-15T08:15:00Z");
        let mut unlisted = good();
        unlisted.privacy_status = Some(PrivacyChoice::Known(Privacy::Unlisted));
        assert_eq!(codes(&unlisted, &ctx), ["schedule_needs_public"]);
        let soon = Context {
            publish_at_ms: Some(at - 1),
            ..ctx
        };
        assert_eq!(codes(&good(), &soon), ["publish_at_too_soon"]);
    }
}
