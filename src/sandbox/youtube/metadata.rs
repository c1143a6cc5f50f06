//! The `video` resource of an initiation, checked at the strictest reading of contract 4.2: one
//! refusal per request, in Google's reason vocabulary, and the accepted resource normalised.

use serde_json::{Map, Value, json};

use super::channels;
use super::errors::GoogleError;

const TITLE_MAX: usize = 100;
const DESCRIPTION_MAX_BYTES: usize = 5000;
const TAGS_MAX: usize = 500;

pub struct Accepted {
    /// `{"snippet": {...}, "status": {...}}`, with YouTube's defaults filled in.
    pub resource: Value,
}

fn units(s: &str) -> usize {
    // UTF-16 units: never fewer than code points, the stricter count (Unsure 14).
    s.encode_utf16().count()
}

fn angle(s: &str) -> bool {
    s.contains(['<', '>'])
}

fn meta(reason: &'static str, message: impl Into<String>) -> GoogleError {
    GoogleError::bad_request(reason, message)
}

pub fn check(body: &[u8], now_ms: i64) -> Result<Accepted, GoogleError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        meta(
            "parseError",
            format!("Parse Error: the body is not JSON ({e})."),
        )
    })?;
    let Value::Object(video) = value else {
        return Err(meta(
            "parseError",
            "Parse Error: the body must be a video resource (a JSON object).",
        ));
    };
    let snippet = video
        .get("snippet")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            meta(
                "invalidTitle",
                "The request metadata must include a snippet with the video's title.",
            )
        })?;
    let status = video
        .get("status")
        .and_then(Value::as_object)
        .ok_or_else(|| meta("invalidVideoMetadata", "The request metadata must include status: the sandbox requires privacyStatus, selfDeclaredMadeForKids and containsSyntheticMedia."))?;
    let snippet = check_snippet(snippet)?;
    let status = check_status(status, now_ms)?;
    Ok(Accepted {
        resource: json!({"snippet": snippet, "status": status}),
    })
}

fn optional_string<'a>(
    m: &'a Map<String, Value>,
    key: &str,
    reason: &'static str,
) -> Result<Option<&'a str>, GoogleError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(meta(reason, format!("{key} must be a string."))),
    }
}

fn check_snippet(s: &Map<String, Value>) -> Result<Value, GoogleError> {
    let title = optional_string(s, "title", "invalidTitle")?
        .unwrap_or("")
        .trim();
    if title.is_empty() {
        return Err(meta(
            "invalidTitle",
            "The request metadata specifies an invalid or empty video title.",
        ));
    }
    if units(title) > TITLE_MAX || angle(title) {
        return Err(meta(
            "invalidTitle",
            format!(
                "The video title is at most {TITLE_MAX} characters (UTF-16 units) and may not contain < or >."
            ),
        ));
    }
    let description = optional_string(s, "description", "invalidDescription")?.unwrap_or("");
    if description.len() > DESCRIPTION_MAX_BYTES || angle(description) {
        return Err(meta(
            "invalidDescription",
            format!(
                "The video description is at most {DESCRIPTION_MAX_BYTES} bytes and may not contain < or >."
            ),
        ));
    }
    let tags = check_tags(s.get("tags"))?;
    let category = match s.get("categoryId") {
        Some(Value::String(c)) => c.as_str(),
        Some(Value::Number(_)) => {
            return Err(meta(
                "invalidCategoryId",
                "categoryId must be a string such as \"22\", not a number (the resumable guide's example is wrong).",
            ));
        }
        _ => {
            return Err(meta(
                "invalidCategoryId",
                "The sandbox requires snippet.categoryId, an assignable id from videoCategories.list.",
            ));
        }
    };
    if !channels::assignable(category) {
        return Err(meta(
            "invalidCategoryId",
            format!("The video category '{category}' is not valid or not assignable."),
        ));
    }
    let mut out = json!({"title": title, "description": description, "categoryId": category});
    if let Some(tags) = tags {
        out["tags"] = json!(tags);
    }
    for key in ["defaultLanguage", "defaultAudioLanguage"] {
        if let Some(lang) = optional_string(s, key, "invalidVideoMetadata")? {
            if !bcp47_like(lang) {
                return Err(meta(
                    "invalidVideoMetadata",
                    format!("{key} must be a BCP-47 language code such as en or pt-BR."),
                ));
            }
            out[key] = json!(lang);
        }
    }
    Ok(out)
}

fn bcp47_like(lang: &str) -> bool {
    let mut parts = lang.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn check_tags(tags: Option<&Value>) -> Result<Option<Vec<String>>, GoogleError> {
    let Some(tags) = tags.filter(|t| !t.is_null()) else {
        return Ok(None);
    };
    let bad = || {
        meta(
            "invalidTags",
            "The request metadata specifies invalid video keywords.",
        )
    };
    let list: Vec<String> = tags
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|t| t.as_str().map(str::to_string).ok_or_else(bad))
        .collect::<Result<_, _>>()?;
    let length: usize = list
        .iter()
        .map(|t| units(t) + if t.contains(' ') { 2 } else { 0 })
        .sum::<usize>()
        + list.len().saturating_sub(1);
    if length > TAGS_MAX || list.iter().any(|t| t.trim().is_empty() || angle(t)) {
        return Err(meta(
            "invalidTags",
            format!(
                "The tags come to {length} characters as YouTube counts them; at most {TAGS_MAX}, none empty, no < or >."
            ),
        ));
    }
    Ok(Some(list))
}

fn required_bool(m: &Map<String, Value>, key: &str) -> Result<bool, GoogleError> {
    m.get(key).and_then(Value::as_bool).ok_or_else(|| {
        meta("invalidVideoMetadata", format!(
            "status.{key} must be true or false: the sandbox refuses an upload without the answer (Unsure 15)."))
    })
}

fn check_status(s: &Map<String, Value>, now_ms: i64) -> Result<Value, GoogleError> {
    let privacy = s.get("privacyStatus").and_then(Value::as_str).ok_or_else(|| {
        meta("invalidVideoMetadata", "status.privacyStatus is required by the sandbox: YouTube's default depends on the channel's settings.")
    })?;
    if !matches!(privacy, "public" | "unlisted" | "private") {
        return Err(meta(
            "invalidVideoMetadata",
            format!("'{privacy}' is not a privacyStatus: use public, unlisted or private."),
        ));
    }
    let mut out = json!({
        "privacyStatus": privacy,
        "selfDeclaredMadeForKids": required_bool(s, "selfDeclaredMadeForKids")?,
        "containsSyntheticMedia": required_bool(s, "containsSyntheticMedia")?,
        "license": "youtube",
        "embeddable": true,
        "publicStatsViewable": true,
    });
    if let Some(at) = optional_string(s, "publishAt", "invalidPublishAt")? {
        let parsed = at.parse::<jiff::Timestamp>().map_err(|_| {
            meta(
                "invalidPublishAt",
                "publishAt must be an ISO 8601 time such as 2027-01-01T12:00:00Z.",
            )
        })?;
        if privacy != "private" {
            return Err(meta(
                "invalidPublishAt",
                "publishAt can be set only on a private video: YouTube makes it public at that time.",
            ));
        }
        if parsed.as_millisecond() <= now_ms {
            return Err(meta(
                "invalidPublishAt",
                "publishAt is in the past: the sandbox refuses it (Unsure 16).",
            ));
        }
        out["publishAt"] = json!(parsed.to_string());
    }
    if let Some(license) = s.get("license") {
        if !matches!(license.as_str(), Some("youtube" | "creativeCommon")) {
            return Err(meta(
                "invalidVideoMetadata",
                "status.license must be youtube or creativeCommon.",
            ));
        }
        out["license"] = license.clone();
    }
    for key in ["embeddable", "publicStatsViewable"] {
        if let Some(v) = s.get(key) {
            let b = v.as_bool().ok_or_else(|| {
                meta(
                    "invalidVideoMetadata",
                    format!("status.{key} must be true or false."),
                )
            })?;
            out[key] = json!(b);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn reason(body: Value) -> &'static str {
        match check(body.to_string().as_bytes(), NOW) {
            Ok(_) => "ok",
            Err(e) => e.reason,
        }
    }

    fn good() -> Value {
        json!({
            "snippet": {"title": "Hello", "categoryId": "22"},
            "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": false, "containsSyntheticMedia": false},
        })
    }

    #[test]
    fn a_complete_resource_is_accepted_with_defaults() {
        let a = check(good().to_string().as_bytes(), NOW).expect("accepted");
        assert_eq!(a.resource["snippet"]["description"], "");
        assert_eq!(a.resource["status"]["license"], "youtube");
    }

    #[test]
    fn each_rule_has_its_reason() {
        assert_eq!(
            check(b"{\"snippet\": ", NOW).err().map(|e| e.reason),
            Some("parseError")
        );
        let cases: Vec<(&str, Value, &str)> = vec![
            ("/snippet/title", json!(""), "invalidTitle"),
            ("/snippet/title", json!("a".repeat(101)), "invalidTitle"),
            (
                "/snippet/title",
                json!(format!("{}😀", "a".repeat(99))),
                "invalidTitle",
            ),
            ("/snippet/title", json!("a <b>"), "invalidTitle"),
            (
                "/snippet/description",
                json!("é".repeat(2501)),
                "invalidDescription",
            ),
            ("/snippet/tags", json!(vec!["abcdefghi"; 51]), "invalidTags"),
            ("/snippet/tags", json!([1]), "invalidTags"),
            ("/snippet/categoryId", json!(22), "invalidCategoryId"),
            ("/snippet/categoryId", json!("42"), "invalidCategoryId"),
            (
                "/status/privacyStatus",
                json!("friends"),
                "invalidVideoMetadata",
            ),
            (
                "/status/selfDeclaredMadeForKids",
                json!(null),
                "invalidVideoMetadata",
            ),
            (
                "/status/containsSyntheticMedia",
                json!("false"),
                "invalidVideoMetadata",
            ),
            (
                "/status/publishAt",
                json!("2027-02-01T00:00:00Z"),
                "invalidPublishAt",
            ),
        ];
        for (pointer, value, expected) in cases {
            let mut body = good();
            let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
            body.pointer_mut(parent).expect("parent")[key] = value;
            assert_eq!(reason(body), expected, "{pointer}");
        }
    }

    #[test]
    fn publish_at_needs_private_and_the_future() {
        let mut body = good();
        body["status"]["privacyStatus"] = json!("private");
        body["status"]["publishAt"] = json!("2027-02-01T00:00:00Z");
        assert_eq!(reason(body.clone()), "ok");
        body["status"]["publishAt"] = json!("2020-01-01T00:00:00Z");
        assert_eq!(reason(body.clone()), "invalidPublishAt");
        body["status"]["publishAt"] = json!("tomorrow");
        assert_eq!(reason(body), "invalidPublishAt");
    }

    #[test]
    fn a_missing_status_is_refused() {
        assert_eq!(
            reason(json!({"snippet": {"title": "x", "categoryId": "22"}})),
            "invalidVideoMetadata"
        );
    }
}
