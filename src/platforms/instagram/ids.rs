//! Meta's ids, kept as the decimal text they are. Graph writes them as strings, the code
//! exchange as bare numbers above 2^53 (contract sections 1 and 2.3): each is read from the raw
//! JSON text, never through a float, which would round 17841400000000001 to ...000.

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// An id as Meta sent it, string or number, as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id(pub String);

impl Id {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads raw JSON text as an id: a string of digits or a bare integer.
    pub fn from_raw(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let text = if raw.starts_with('"') {
            serde_json::from_str::<String>(raw).ok()?
        } else {
            raw.to_string()
        };
        let text = text.trim().to_string();
        let ok = !text.is_empty() && text.len() <= 32 && text.bytes().all(|b| b.is_ascii_digit());
        ok.then_some(Self(text))
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        Id::from_raw(raw.get())
            .ok_or_else(|| serde::de::Error::custom(format!("'{}' is not a Meta id", raw.get())))
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Answer {
        user_id: Id,
    }

    #[test]
    fn numbers_above_two_to_the_53_keep_every_digit() {
        let a: Answer = serde_json::from_str(r#"{"user_id":17841400000000001}"#).expect("number");
        assert_eq!(a.user_id.as_str(), "17841400000000001");
        let b: Answer = serde_json::from_str(r#"{"user_id":"17841400000000001"}"#).expect("string");
        assert_eq!(a.user_id, b.user_id);
        // Beyond u64 too: the text is the id.
        let c: Answer =
            serde_json::from_str(r#"{"user_id":123456789012345678901234}"#).expect("big");
        assert_eq!(c.user_id.as_str(), "123456789012345678901234");
    }

    #[test]
    fn what_is_not_an_integer_is_not_an_id() {
        for bad in [
            r#"{"user_id":1.5}"#,
            r#"{"user_id":-3}"#,
            r#"{"user_id":"abc"}"#,
            r#"{"user_id":null}"#,
            r#"{"user_id":1e20}"#,
        ] {
            assert!(serde_json::from_str::<Answer>(bad).is_err(), "{bad}");
        }
    }
}
