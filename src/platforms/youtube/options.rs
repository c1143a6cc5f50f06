//! What the owner chose for one YouTube target, as typed values that hold the answers as given.
//!
//! Parsing does not judge: an unknown privacy value or a missing answer is kept as such, so
//! `rules::check` can report every problem of a target at once instead of stopping at the first
//! one serde meets.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `status.privacyStatus` (contract section 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    Public,
    Unlisted,
    Private,
}

impl Privacy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Unlisted => "unlisted",
            Self::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "public" => Self::Public,
            "unlisted" => Self::Unlisted,
            "private" => Self::Private,
            _ => return None,
        })
    }
}

/// The privacy the owner picked, or the string they sent when it is none of YouTube's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivacyChoice {
    Known(Privacy),
    Unknown(String),
}

impl Serialize for PrivacyChoice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Known(p) => s.serialize_str(p.as_str()),
            Self::Unknown(raw) => s.serialize_str(raw),
        }
    }
}

impl<'de> Deserialize<'de> for PrivacyChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(match Privacy::parse(raw.trim()) {
            Some(p) => Self::Known(p),
            None => Self::Unknown(raw),
        })
    }
}

/// One YouTube target's options, named as `POST /api/posts` names them (issue 13). Booleans are
/// JSON booleans; `None` means the owner did not answer, which `rules::check` refuses for the
/// answers YouTube needs (privacy, made for kids, altered or synthetic content).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct YouTubeOptions {
    pub title: String,
    pub description: String,
    pub privacy_status: Option<PrivacyChoice>,
    pub made_for_kids: Option<bool>,
    pub synthetic_media: Option<bool>,
    /// `notifySubscribers`; unanswered means YouTube's default, true.
    pub notify_subscribers: Option<bool>,
    /// A `videoCategories.list` id; unanswered means 22, People & Blogs (YouTube Studio's default).
    pub category_id: Option<String>,
    pub tags: Vec<String>,
    /// A cover picked on the posting screen (`media::cover`'s id), set as the video's thumbnail
    /// once processing succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_from_the_api_names() {
        let o: YouTubeOptions = serde_json::from_value(serde_json::json!({
            "platform": "youtube",
            "account": "UCabc",
            "title": "Hi",
            "privacy_status": "unlisted",
            "made_for_kids": false,
            "synthetic_media": true,
            "tags": ["a", "b c"],
        }))
        .expect("parses");
        assert_eq!(
            o.privacy_status,
            Some(PrivacyChoice::Known(Privacy::Unlisted))
        );
        assert_eq!(o.made_for_kids, Some(false));
        assert_eq!(o.notify_subscribers, None);
        assert_eq!(o.tags, vec!["a", "b c"]);
    }

    #[test]
    fn an_unknown_privacy_is_kept_for_the_rules_to_report() {
        let o: YouTubeOptions =
            serde_json::from_str(r#"{"privacy_status": "friends"}"#).expect("parses");
        assert_eq!(
            o.privacy_status,
            Some(PrivacyChoice::Unknown("friends".into()))
        );
    }

    #[test]
    fn booleans_sent_as_strings_are_refused() {
        assert!(serde_json::from_str::<YouTubeOptions>(r#"{"made_for_kids": "true"}"#).is_err());
    }
}
