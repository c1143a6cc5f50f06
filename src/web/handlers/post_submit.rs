//! The posting screen's Publish. The video arrived over tus (`/uploads/tus/`); the form names
//! the ticked accounts and each one's options block. The screen's words become the API's
//! options (an unticked "Allow comment" is `disable_comment`), and the post takes the same
//! domain path as `POST /api/posts`, with the same checks.

use actix_web::{HttpResponse, web};
use askama::Template as _;
use serde_json::{Map, Value};

use super::post_options::account_key;
use crate::platforms::{PlatformId, Problem};
use crate::posts::{PostError, PostRequest, TargetProblem, TargetRequest};
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::web::templates::{PostErrorsPartial, ShownProblem};

/// The posting screen's fields as sent (Post again's form has the same names).
pub(super) struct Form(pub(super) Vec<(String, String)>);

impl Form {
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn ticked(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| !v.is_empty() && v != "0")
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A TikTok options block (fields `t{slot}_…`) as the API's options.
fn tiktok_options(form: &Form, slot: &str, title: &str) -> Map<String, Value> {
    let f = |name: &str| format!("t{slot}_{name}");
    let inbox = form.get(&f("mode")) == Some("inbox");
    let commercial = form.ticked(&f("commercial"));
    let mut o = Map::new();
    o.insert("title".into(), Value::String(title.to_string()));
    o.insert(
        "mode".into(),
        Value::String(if inbox { "inbox" } else { "direct" }.into()),
    );
    if let Some(level) = form
        .get(&f("privacy_level"))
        .filter(|p| !p.is_empty() && !inbox)
    {
        o.insert("privacy_level".into(), Value::String(level.to_string()));
    }
    for (option, allow) in [
        ("disable_comment", "allow_comment"),
        ("disable_duet", "allow_duet"),
        ("disable_stitch", "allow_stitch"),
    ] {
        o.insert(option.into(), Value::Bool(!form.ticked(&f(allow))));
    }
    for name in ["brand_content_toggle", "brand_organic_toggle"] {
        o.insert(
            name.into(),
            Value::Bool(commercial && form.ticked(&f(name))),
        );
    }
    o.insert("is_aigc".into(), Value::Bool(form.ticked(&f("is_aigc"))));
    o
}

/// A YouTube options block (fields `t{slot}_…`) as the API's options. Unanswered questions
/// stay unanswered, so the rules ask for them; the title defaults to the caption's first line
/// and the description to the caption (contract 4.2).
fn youtube_options(form: &Form, slot: &str, caption: &str) -> Map<String, Value> {
    let f = |name: &str| format!("t{slot}_{name}");
    let text = |name: &str| form.get(&f(name)).map(str::trim).unwrap_or_default();
    let mut o = Map::new();
    let title = match text("yt_title") {
        "" => caption.lines().next().unwrap_or_default().trim(),
        t => t,
    };
    o.insert("title".into(), Value::String(title.to_string()));
    let description = match form.get(&f("description")).unwrap_or_default() {
        d if d.trim().is_empty() => caption,
        d => d,
    };
    o.insert("description".into(), Value::String(description.to_string()));
    if let Some(p) = form.get(&f("privacy_status")).filter(|p| !p.is_empty()) {
        o.insert("privacy_status".into(), Value::String(p.to_string()));
    }
    for name in ["made_for_kids", "synthetic_media"] {
        match form.get(&f(name)) {
            Some("yes") => o.insert(name.into(), Value::Bool(true)),
            Some("no") => o.insert(name.into(), Value::Bool(false)),
            _ => None,
        };
    }
    o.insert(
        "notify_subscribers".into(),
        Value::Bool(form.ticked(&f("notify_subscribers"))),
    );
    if let Some(c) = form.get(&f("category_id")).filter(|c| !c.is_empty()) {
        o.insert("category_id".into(), Value::String(c.to_string()));
    }
    let tags: Vec<Value> = text("tags")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| Value::String(t.to_string()))
        .collect();
    o.insert("tags".into(), Value::Array(tags));
    o
}

/// The frame picked on the preview's slider (`thumb_offset_ms`, the name Instagram's option
/// reads), as each platform takes a cover: TikTok a timestamp, YouTube the frame as an image
/// (`cover_image`, sent ahead by the page to `/post/cover`).
fn with_cover(form: &Form, platform: PlatformId, options: &mut Map<String, Value>) {
    let ms = form
        .get("thumb_offset_ms")
        .and_then(|v| v.trim().parse::<u64>().ok());
    match platform {
        PlatformId::TikTok => {
            if let Some(ms) = ms {
                options.insert("video_cover_timestamp_ms".into(), Value::from(ms));
            }
        }
        PlatformId::YouTube => {
            if let Some(id) = form.get("cover_image").filter(|v| !v.is_empty()) {
                options.insert("thumbnail".into(), Value::String(id.to_string()));
            }
        }
        // The block's own cover offset wins; otherwise the slider's frame.
        PlatformId::Instagram => {
            if let Some(ms) = ms {
                options
                    .entry("thumb_offset_ms")
                    .or_insert_with(|| Value::from(ms));
            }
        }
    }
}

/// An Instagram options block (fields `t{slot}_…`) as the API's options: its own caption or
/// the post's, "also show in the feed", and the cover frame (typed in seconds, sent in ms).
fn instagram_options(form: &Form, slot: &str, caption: &str) -> Map<String, Value> {
    let f = |name: &str| format!("t{slot}_{name}");
    let mut o = Map::new();
    let own = form.get(&f("ig_caption")).unwrap_or_default();
    let text = if own.trim().is_empty() { caption } else { own };
    o.insert("caption".into(), Value::String(text.to_string()));
    o.insert(
        "share_to_feed".into(),
        Value::Bool(form.ticked(&f("share_to_feed"))),
    );
    let offset = form
        .get(&f("thumb_offset_s"))
        .map(str::trim)
        .unwrap_or_default();
    if !offset.is_empty() {
        // Unreadable or negative: passed on as typed, so the API names the field.
        let value = match offset.replace(',', ".").parse::<f64>() {
            Ok(s) if s >= 0.0 && s.is_finite() => Value::from((s * 1000.0).round() as u64),
            _ => Value::String(offset.to_string()),
        };
        o.insert("thumb_offset_ms".into(), value);
    }
    o
}

/// The form as a post: its targets (the ticked accounts, in screen order) and when.
pub(super) fn request(form: &Form) -> Result<PostRequest, Problem> {
    let publish_at = match form.get("when").unwrap_or("now") {
        "schedule" => Some(local_to_rfc3339(
            form.get("publish_at_local"),
            form.get("tz_offset_min"),
        )?),
        _ => None,
    };
    let title = form.get("title").unwrap_or("");
    let mut targets = Vec::new();
    for slot in form.all("target") {
        let Some(key) = form.get(&format!("account_{slot}")).and_then(account_key) else {
            continue;
        };
        let mut options = match key.platform {
            PlatformId::TikTok => tiktok_options(form, slot, title),
            PlatformId::YouTube => youtube_options(form, slot, title),
            PlatformId::Instagram => instagram_options(form, slot, title),
        };
        with_cover(form, key.platform, &mut options);
        targets.push(TargetRequest {
            platform: key.platform.as_str().to_string(),
            account: key.id,
            options,
        });
    }
    Ok(PostRequest {
        targets,
        publish_at,
    })
}

/// The browser's UTC offset in minutes (east positive), as the posting screen sends it.
/// Real offsets run from -12:00 to +14:00; anything outside ±18:00 (what `time` accepts), or not
/// a number, means the page could not tell the time zone: scheduling in UTC instead would post
/// at the wrong hour without a word.
fn parse_offset(offset_min: Option<&str>) -> Result<time::UtcOffset, Problem> {
    let bad = |shown: &str| {
        Problem::new(
            "invalid_tz_offset",
            format!(
                "Cast could not tell your time zone (tz_offset_min '{shown}' is not an offset in minutes between -1080 and 1080), so it cannot schedule the post. Reload the page and choose the time again."
            ),
        )
    };
    let raw = offset_min.map(str::trim).unwrap_or_default();
    let shown: String = raw.chars().take(24).collect();
    let minutes: i64 = raw.parse().map_err(|_| bad(&shown))?;
    if minutes.abs() > 18 * 60 {
        return Err(bad(&shown));
    }
    let seconds = i32::try_from(minutes * 60).map_err(|_| bad(&shown))?;
    time::UtcOffset::from_whole_seconds(seconds).map_err(|_| bad(&shown))
}

/// `2026-12-01T18:30` typed in the owner's time zone (offset from the browser) → RFC 3339 UTC.
fn local_to_rfc3339(local: Option<&str>, offset_min: Option<&str>) -> Result<String, Problem> {
    let bad = || Problem::new("invalid_publish_at", "Choose the date and time to publish.");
    let local = local
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(bad)?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let at = time::PrimitiveDateTime::parse(local.get(..16).unwrap_or(local), &fmt)
        .map_err(|_| bad())?;
    let offset = parse_offset(offset_min)?;
    at.assume_offset(offset)
        .to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|_| bad())
}

/// Publishes: answers HTMX with a redirect to the post's live status, or with the problems
/// beside the button. The uploaded video stays on the server when the form is refused, so
/// fixing the form never means uploading again.
pub async fn post_submit(
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = Form(form.into_inner());
    let request = match request(&form) {
        Ok(r) => r,
        Err(problem) => {
            return refused(
                &state,
                &[],
                vec![TargetProblem::post(problem.code, problem.message)],
            )
            .await;
        }
    };
    let upload_id = form.get("upload_id").unwrap_or_default();
    match state.posts.submit_browser_upload(upload_id, &request).await {
        Ok((view, _)) => Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", format!("/posts/{}", view.id)))
            .finish()),
        Err(PostError::Rejected(problems)) => refused(&state, &request.targets, problems).await,
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn refused(
    state: &AppState,
    targets: &[TargetRequest],
    problems: Vec<TargetProblem>,
) -> Result<HttpResponse, AppError> {
    let accounts = state.accounts.list().await.unwrap_or_default();
    let name = |i: usize| {
        let t = targets.get(i)?;
        let label = accounts
            .iter()
            .find(|a| a.platform.as_str() == t.platform && a.account_id == t.account)
            .map(|a| a.label())
            .unwrap_or_else(|| t.account.clone());
        Some(label)
    };
    let shown: Vec<ShownProblem> = problems
        .into_iter()
        .map(|p| ShownProblem {
            code: p.code,
            target: p.target.and_then(name),
            message: p.message,
        })
        .collect();
    let html = PostErrorsPartial { problems: &shown }.render()?;
    Ok(HttpResponse::UnprocessableEntity()
        .content_type("text/html; charset=utf-8")
        .insert_header(("HX-Retarget", "#post-errors"))
        .insert_header(("HX-Reswap", "outerHTML"))
        .body(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_time_becomes_utc() {
        assert_eq!(
            local_to_rfc3339(Some("2026-12-01T18:30"), Some("60")).expect("valid"),
            "2026-12-01T17:30:00Z"
        );
        assert_eq!(
            local_to_rfc3339(Some("2026-12-01T18:30"), Some("-300")).expect("valid"),
            "2026-12-01T23:30:00Z"
        );
        assert!(local_to_rfc3339(Some("tomorrow"), Some("0")).is_err());
        assert!(local_to_rfc3339(None, Some("0")).is_err());
    }

    #[test]
    fn a_bad_time_zone_offset_is_a_problem_not_utc() {
        for bad in [
            None,
            Some(""),
            Some("abc"),
            Some("-2147483648"),
            Some("1081"),
            Some("99999999999999999999"),
        ] {
            let p = local_to_rfc3339(Some("2026-12-01T18:30"), bad).expect_err("refused");
            assert_eq!(p.code, "invalid_tz_offset", "{bad:?}");
            assert!(p.message.contains("time zone"));
        }
        assert!(local_to_rfc3339(Some("2026-12-01T18:30"), Some("840")).is_ok());
    }

    #[test]
    fn an_instagram_block_takes_the_posts_caption_and_the_cover_in_milliseconds() {
        let form = Form(
            [
                ("title", "The caption #cast"),
                ("target", "0"),
                ("account_0", "instagram:17841400000000001"),
                ("t0_thumb_offset_s", "1,5"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        );
        let r = request(&form).expect("valid");
        let o = &r.targets[0].options;
        assert_eq!(r.targets[0].platform, "instagram");
        assert_eq!(r.targets[0].account, "17841400000000001");
        assert_eq!(o["caption"], "The caption #cast");
        assert_eq!(o["share_to_feed"], false, "the box was unticked");
        assert_eq!(o["thumb_offset_ms"], 1500);
    }

    #[test]
    fn a_youtube_block_takes_the_captions_first_line_and_leaves_unanswered_questions_open() {
        let form = Form(
            [
                ("title", "First line\nmore #tags"),
                ("target", "0"),
                ("account_0", "youtube:UCabc"),
                ("t0_privacy_status", "unlisted"),
                ("t0_made_for_kids", "no"),
                ("t0_tags", "a, b c ,,"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        );
        let r = request(&form).expect("valid");
        let o = &r.targets[0].options;
        assert_eq!(r.targets[0].platform, "youtube");
        assert_eq!(o["title"], "First line");
        assert_eq!(o["description"], "First line\nmore #tags");
        assert_eq!(o["made_for_kids"], false);
        assert!(
            !o.contains_key("synthetic_media"),
            "the owner did not answer"
        );
        assert_eq!(o["notify_subscribers"], false);
        assert_eq!(o["tags"], serde_json::json!(["a", "b c"]));
    }

    #[test]
    fn each_ticked_tiktok_block_becomes_one_target() {
        let form = Form(
            [
                ("title", "Hello"),
                ("target", "1"),
                ("account_0", "tiktok:skipped"),
                ("account_1", "tiktok:b"),
                ("t1_privacy_level", "SELF_ONLY"),
                ("t1_allow_duet", "1"),
                ("t1_brand_content_toggle", "1"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        );
        let r = request(&form).expect("valid");
        assert_eq!(r.targets.len(), 1);
        let t = &r.targets[0];
        assert_eq!((t.platform.as_str(), t.account.as_str()), ("tiktok", "b"));
        assert_eq!(t.options["privacy_level"], "SELF_ONLY");
        assert_eq!(t.options["disable_duet"], false);
        assert_eq!(t.options["disable_comment"], true);
        assert_eq!(
            t.options["brand_content_toggle"], false,
            "not without the disclosure switch"
        );
        assert_eq!(t.options["title"], "Hello");
    }
}
