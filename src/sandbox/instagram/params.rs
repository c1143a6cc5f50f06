//! A Reels container's parameters (contract sections 4 and 14), checked as strictly as
//! Instagram might: `REELS` only, US-ASCII https URLs on a domain (BASE_URL excepted), and the
//! caption's limits, each refused with Meta's code for it.

use std::collections::HashMap;

use super::State;
use super::errors::GraphError;

/// What `POST /{user_id}/media` asked for, once it passed.
pub struct ContainerParams {
    pub video_url: String,
    pub cover_url: Option<String>,
    pub caption: String,
    pub share_to_feed: Option<bool>,
    pub thumb_offset: Option<i64>,
    pub collaborators: Option<String>,
}

impl ContainerParams {
    pub fn parse(state: &State, p: &HashMap<String, String>) -> Result<Self, GraphError> {
        let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
        // `upload_type=resumable` belongs to Facebook Login; here it is ignored (section 6.4).
        let video_url = get("video_url")
            .ok_or_else(|| GraphError::param("The parameter video_url is required"))?;
        match get("media_type") {
            Some("REELS") => {}
            Some("VIDEO") => {
                return Err(GraphError::meta(100, 2207023).with_user_msg(
                    "VIDEO is no longer accepted for a single video; use media_type=REELS.",
                ));
            }
            Some(other) => {
                return Err(GraphError::meta(100, 2207023).with_user_msg(format!(
                    "Cast sandbox: media_type {other} is not emulated; use REELS."
                )));
            }
            None => {
                return Err(GraphError::param(
                    "The parameter media_type is required: use REELS for a reel",
                ));
            }
        }
        check_url(state, video_url)?;
        let cover_url = get("cover_url");
        if let Some(cover) = cover_url {
            check_url(state, cover)?;
        }
        let caption = get("caption").unwrap_or("");
        check_caption(caption)?;
        let share_to_feed = match get("share_to_feed") {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(GraphError::param(format!(
                    "Param share_to_feed must be a boolean, not '{other}'"
                )));
            }
        };
        let thumb_offset = match get("thumb_offset") {
            None => None,
            Some(t) => Some(
                t.parse::<i64>()
                    .ok()
                    .filter(|t| *t >= 0)
                    .ok_or_else(|| GraphError::meta(1, 2207057))?,
            ),
        };
        let collaborators = collaborators(p.get("collaborators"))?;
        Ok(Self {
            video_url: video_url.to_string(),
            cover_url: cover_url.map(str::to_string),
            caption: caption.to_string(),
            share_to_feed,
            thumb_offset,
            collaborators,
        })
    }
}

/// The syntactic URL checks that fail at creation (9004/2207052 quoting the URL); reaching it
/// is the fetcher's business, later.
fn check_url(state: &State, raw: &str) -> Result<(), GraphError> {
    let refuse = |why: &str| {
        GraphError::meta(9004, 2207052).with_user_msg(format!(
            "The media could not be fetched from this URI: {raw}. Please check the URI and try again (Cast sandbox: {why})."
        ))
    };
    if !raw.is_ascii() {
        return Err(refuse(
            "the URL has a character outside US-ASCII; percent-encode it",
        ));
    }
    let url = url::Url::parse(raw).map_err(|_| refuse("it is not an absolute URL"))?;
    if state.local_origin.as_deref() == Some(url.origin().ascii_serialization().as_str()) {
        return Ok(());
    }
    if url.scheme() != "https" {
        return Err(refuse(&format!(
            "a {} URL; Instagram fetches https only",
            url.scheme()
        )));
    }
    match url.host() {
        Some(url::Host::Domain(d)) if d != "localhost" && !d.ends_with(".localhost") => Ok(()),
        Some(url::Host::Domain(_)) => Err(refuse("localhost is not reachable from Meta's servers")),
        Some(_) => Err(refuse("an IP address; Meta needs a domain name")),
        None => Err(refuse("the URL has no host")),
    }
}

/// `#tag` and `@name` not inside a word, as Instagram counts them.
fn tags(text: &str, sigil: char) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    (0..chars.len())
        .filter(|&i| {
            chars[i] == sigil
                && (i == 0 || !word(chars[i - 1]))
                && chars
                    .get(i + 1)
                    .is_some_and(|n| n.is_alphanumeric() || *n == '_')
        })
        .count()
}

fn check_caption(caption: &str) -> Result<(), GraphError> {
    // Code points or UTF-16 units, whichever is more: UTF-16 units.
    if caption.encode_utf16().count() > 2200 {
        return Err(GraphError::meta(36004, 2207010));
    }
    if tags(caption, '#') > 30 {
        return Err(GraphError::param("The caption has more than 30 hashtags."));
    }
    if tags(caption, '@') > 20 {
        return Err(GraphError::meta(100, 2207040));
    }
    Ok(())
}

fn collaborators(raw: Option<&String>) -> Result<Option<String>, GraphError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    let list: Vec<String> = serde_json::from_str(raw).unwrap_or_else(|_| {
        raw.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    });
    if list.len() > 3 {
        return Err(GraphError::param(
            "collaborators takes at most 3 usernames.",
        ));
    }
    if list.iter().any(|c| c.starts_with('@')) {
        return Err(GraphError::meta(100, 2207018)
            .with_user_msg("Write collaborators' usernames without the @."));
    }
    Ok(Some(serde_json::to_string(&list).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caption_limits_as_instagram_counts_them() {
        assert!(check_caption(&"😀".repeat(1100)).is_ok());
        assert_eq!(
            check_caption(&"😀".repeat(1101)).expect_err("long").subcode,
            Some(2207010)
        );
        let mentions: String = (0..21).map(|i| format!("@u{i} ")).collect();
        assert_eq!(
            check_caption(&mentions).expect_err("mentions").subcode,
            Some(2207040)
        );
        assert_eq!(tags("a@b.com @real #x#y", '@'), 1);
    }

    #[test]
    fn collaborators_without_at_and_at_most_three() {
        assert!(
            collaborators(Some(&r#"["a","b"]"#.to_string()))
                .expect("ok")
                .is_some()
        );
        assert!(collaborators(Some(&"a,b,c,d".to_string())).is_err());
        assert_eq!(
            collaborators(Some(&r#"["@a"]"#.to_string()))
                .expect_err("at")
                .subcode,
            Some(2207018)
        );
    }
}
