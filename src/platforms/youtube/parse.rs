//! A YouTube target's options from the API's JSON object (`POST /api/posts`, issue 13): each
//! field read on its own, so every problem of a target is reported at once, and booleans only
//! as JSON booleans (a `"false"` string must not become a yes).

use serde_json::{Map, Value};

use super::options::{Privacy, PrivacyChoice, YouTubeOptions};
use super::rules;
use crate::platforms::Problem;

fn text(
    raw: &Map<String, Value>,
    name: &'static str,
    code: &'static str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match raw.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            problems.push(Problem::new(
                code,
                format!("`{name}` must be a JSON string."),
            ));
            None
        }
    }
}

fn boolean(
    raw: &Map<String, Value>,
    name: &'static str,
    code: &'static str,
    problems: &mut Vec<Problem>,
) -> Option<bool> {
    match raw.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            problems.push(Problem::new(
                code,
                format!("`{name}` must be true or false (a JSON boolean), not {other}."),
            ));
            None
        }
    }
}

/// Reads the options as given; `rules::check` judges them afterwards. A badly typed field is
/// left unanswered and reported: the options read anyway, and the problems (none when fine).
pub fn options(raw: &Map<String, Value>) -> (YouTubeOptions, Vec<Problem>) {
    let mut problems = Vec::new();
    let title = text(raw, "title", "title_invalid", &mut problems).unwrap_or_default();
    let description =
        text(raw, "description", "description_invalid", &mut problems).unwrap_or_default();
    let privacy_status =
        text(raw, "privacy_status", "privacy_invalid", &mut problems).map(
            |s| match Privacy::parse(s.trim()) {
                Some(p) => PrivacyChoice::Known(p),
                None => PrivacyChoice::Unknown(s),
            },
        );
    let made_for_kids = boolean(raw, "made_for_kids", "made_for_kids_invalid", &mut problems);
    let synthetic_media = boolean(
        raw,
        "synthetic_media",
        "synthetic_media_invalid",
        &mut problems,
    );
    let notify_subscribers = boolean(
        raw,
        "notify_subscribers",
        "notify_subscribers_invalid",
        &mut problems,
    );
    // A category id is a string to YouTube; a script sending 22 as a number means the same.
    let category_id = match raw.get("category_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            problems.push(Problem::new(
                "category_invalid",
                "`category_id` must be a YouTube category id such as \"22\".",
            ));
            None
        }
    };
    let tags = match raw.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(_) => {
            problems.push(Problem::new(
                "tags_invalid",
                "`tags` must be an array of strings, such as [\"cooking\", \"quick recipes\"].",
            ));
            Vec::new()
        }
    };
    let thumbnail = text(raw, "thumbnail", "thumbnail_invalid", &mut problems).and_then(|t| {
        let id = crate::media::cover::CoverId::parse(&t);
        if id.is_none() {
            problems.push(Problem::new(
                "thumbnail_invalid",
                "`thumbnail` must name a cover picked on the posting screen (POST /post/cover answers its id).",
            ));
        }
        id.map(|id| id.as_str().to_string())
    });
    let options = YouTubeOptions {
        title,
        description,
        privacy_status,
        made_for_kids,
        synthetic_media,
        notify_subscribers,
        category_id,
        tags,
        thumbnail,
    };
    (options, problems)
}

/// The option a type problem is about (its code is `{field}_invalid`, `privacy` and
/// `category` shortened as the rules name them).
pub fn field_of(code: &str) -> &str {
    match code.strip_suffix("_invalid").unwrap_or(code) {
        "privacy" => "privacy_status",
        "category" => "category_id",
        other => other,
    }
}

/// The stored options, as the rules judge them at `now_ms`: the metadata to send, or why not.
pub fn metadata(options: &Value, now_ms: i64) -> Result<rules::Metadata, Vec<Problem>> {
    let options: YouTubeOptions = serde_json::from_value(options.clone()).map_err(|e| {
        vec![Problem::new(
            "options_unreadable",
            format!("Cast cannot read this target's YouTube options: {e}"),
        )]
    })?;
    let ctx = rules::Context {
        now_ms,
        publish_at_ms: None,
        assignable_categories: None,
    };
    rules::check(&options, &ctx).map_err(|ps| {
        ps.into_iter()
            .map(|p| Problem::new(p.code, p.message))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("object")
    }

    #[test]
    fn every_badly_typed_field_is_named_at_once() {
        let e = options(&raw(json!({
            "title": 5,
            "made_for_kids": "false",
            "synthetic_media": 0,
            "tags": "a,b",
        })))
        .1;
        let codes: Vec<&str> = e.iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            [
                "title_invalid",
                "made_for_kids_invalid",
                "synthetic_media_invalid",
                "tags_invalid"
            ]
        );
    }

    #[test]
    fn the_api_names_become_options() {
        let o = options(&raw(json!({
            "title": "Hi",
            "privacy_status": "unlisted",
            "made_for_kids": false,
            "synthetic_media": true,
            "category_id": 22,
            "tags": ["a", "b c"],
        })))
        .0;
        assert_eq!(
            o.privacy_status,
            Some(PrivacyChoice::Known(Privacy::Unlisted))
        );
        assert_eq!(o.category_id.as_deref(), Some("22"));
        assert_eq!(o.notify_subscribers, None);
        assert_eq!(o.tags, ["a", "b c"]);
    }
}
