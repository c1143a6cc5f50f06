//! A Reel's options as the owner (or a script) gives them: parsed here, judged by `rules`.

use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstagramOptions {
    #[serde(default)]
    pub caption: String,
    /// "Also show in the feed". Instagram's default is undocumented (Unsure 7): Cast always
    /// sends it, true unless the owner says otherwise.
    #[serde(default = "yes")]
    pub share_to_feed: bool,
    /// The cover frame, in milliseconds from the start (`thumb_offset`).
    #[serde(default, alias = "thumb_offset")]
    pub thumb_offset_ms: Option<u64>,
    /// Up to 3 usernames, without `@` (Unsure 8 on `graph.instagram.com`).
    #[serde(default)]
    pub collaborators: Vec<String>,
}

impl Default for InstagramOptions {
    fn default() -> Self {
        Self {
            caption: String::new(),
            share_to_feed: true,
            thumb_offset_ms: None,
            collaborators: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_from_the_apis_json() {
        let o: InstagramOptions = serde_json::from_str(
            r#"{"platform":"instagram","account":"17841400000000001","caption":"Hi #cast","share_to_feed":false,"thumb_offset_ms":1500}"#,
        )
        .expect("parse");
        assert_eq!(o.caption, "Hi #cast");
        assert!(!o.share_to_feed);
        assert_eq!(o.thumb_offset_ms, Some(1500));
        let d: InstagramOptions = serde_json::from_str("{}").expect("defaults");
        assert_eq!(d, InstagramOptions::default());
        assert!(d.share_to_feed);
    }

    #[test]
    fn strings_are_not_booleans() {
        assert!(serde_json::from_str::<InstagramOptions>(r#"{"share_to_feed":"true"}"#).is_err());
        assert!(serde_json::from_str::<InstagramOptions>(r#"{"thumb_offset_ms":-1}"#).is_err());
    }
}
