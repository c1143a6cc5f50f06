//! TikTok's post ids (`publicaly_available_post_id`, contract §7, and the video list's `id`, §7.1).
//!
//! Documented as a list of int64, seen as a bare string or a number too, or not at all. Ids are
//! 19-digit numbers, more than a double holds exactly, so they are kept as strings of digits and
//! never pass through floating point. Only digits are kept: an id ends up in a link to tiktok.com.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The longest id Cast keeps: int64 has 19 digits; a little room for a wider type later.
const MAX_DIGITS: usize = 24;

/// One id, as a string of ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostId(String);

impl PostId {
    /// A digit string (surrounding spaces trimmed); anything else is not an id.
    pub fn parse(raw: &str) -> Option<Self> {
        let digits = raw.trim();
        let ok = !digits.is_empty()
            && digits.len() <= MAX_DIGITS
            && digits.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Self(digits.to_string()))
    }

    /// A JSON value: a string of digits, or a whole number serde read exactly (u64 or i64).
    /// A float (`7.3e18`, or an integer too long for u64) has already lost digits: refused.
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Self::parse(s),
            Value::Number(n) if n.is_u64() => n.as_u64().map(|n| Self(n.to_string())),
            Value::Number(n) if n.is_i64() => {
                n.as_i64().filter(|n| *n >= 0).map(|n| Self(n.to_string()))
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Every id in whatever form TikTok sent: a list (of numbers or strings), one string, one
/// number, `null` or nothing. Entries that are not ids are skipped rather than failing the whole
/// answer: after the last chunk, an answer Cast cannot read must never end a job.
pub fn parse_ids(value: Option<&Value>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut push = |v: &Value| {
        if let Some(id) = PostId::from_value(v) {
            if !ids.contains(&id.0) {
                ids.push(id.0);
            }
        } else if !v.is_null() {
            tracing::warn!(
                kind = kind(v),
                "TikTok sent a post id Cast cannot read; skipped"
            );
        }
    };
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => items.iter().for_each(&mut push),
        Some(other) => push(other),
    }
    ids
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "non-integer number",
        Value::String(_) => "non-digit string",
        Value::Array(_) => "nested list",
        Value::Object(_) => "object",
    }
}

/// For `#[serde(default, deserialize_with = "post_ids")]` on a `Vec<String>` field.
pub fn post_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(parse_ids(value.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(v: Value) -> Vec<String> {
        parse_ids(Some(&v))
    }

    #[test]
    fn a_list_of_numbers_keeps_every_digit_of_19_digit_ids() {
        // Both beyond 2^53: a double would round them.
        let raw = r#"[7312345678901234567, 9223372036854775807]"#;
        let v: Value = serde_json::from_str(raw).expect("json");
        assert_eq!(ids(v), ["7312345678901234567", "9223372036854775807"]);
    }

    #[test]
    fn every_form_tiktok_was_seen_to_send() {
        assert_eq!(ids(json!(["7312345678901234567"])), ["7312345678901234567"]);
        assert_eq!(ids(json!("7312345678901234567")), ["7312345678901234567"]);
        let number: Value = serde_json::from_str("7312345678901234567").expect("json");
        assert_eq!(ids(number), ["7312345678901234567"]);
        assert_eq!(ids(json!([7, "8"])), ["7", "8"]);
        assert!(ids(json!([])).is_empty());
        assert!(ids(Value::Null).is_empty());
        assert!(parse_ids(None).is_empty());
        assert!(ids(json!("")).is_empty());
    }

    #[test]
    fn what_is_not_an_id_is_skipped_not_fatal() {
        assert!(ids(json!("https://evil.example/")).is_empty());
        assert!(ids(json!(7.3e18)).is_empty(), "a float has lost digits");
        assert!(ids(json!(-5)).is_empty());
        assert!(ids(json!({"id": 1})).is_empty());
        assert_eq!(ids(json!([true, "12", [3], " 45 "])), ["12", "45"]);
        // Longer than u64: serde reads it as a float, so it is refused rather than rounded.
        let huge: Value = serde_json::from_str("123456789012345678901234567").expect("json");
        assert!(ids(huge).is_empty());
        assert_eq!(ids(json!("1".repeat(24))).len(), 1);
        assert!(ids(json!("1".repeat(25))).is_empty());
    }

    #[test]
    fn repeated_ids_are_kept_once() {
        assert_eq!(ids(json!([12, "12", 13])), ["12", "13"]);
    }

    #[test]
    fn the_field_reader_accepts_absence_and_null() {
        #[derive(Deserialize)]
        struct S {
            #[serde(default, deserialize_with = "post_ids")]
            ids: Vec<String>,
        }
        let s: S = serde_json::from_str("{}").expect("absent");
        assert!(s.ids.is_empty());
        let s: S = serde_json::from_str(r#"{"ids": null}"#).expect("null");
        assert!(s.ids.is_empty());
        let s: S = serde_json::from_str(r#"{"ids": 7312345678901234567}"#).expect("number");
        assert_eq!(s.ids, ["7312345678901234567"]);
    }
}
