//! The init request's rules (contract sections 5 and 6), with the sandbox's strict reading of
//! every unsure bound. Pure functions: the body in, a typed request or TikTok's error out.

use serde_json::{Map, Value};

use super::errors::ApiError;
use super::privacy::PrivacyLevel;

/// Section 6's table, the stricter bound each time ("MB" read as MiB or 10^6, whichever refuses more).
pub const MIN_CHUNK: u64 = 5_242_880;
pub const MAX_CHUNK: u64 = 64_000_000;
pub const MAX_LAST_CHUNK: u64 = 128_000_000;
pub const MAX_VIDEO: u64 = 4_000_000_000;
pub const MAX_CHUNKS: u64 = 1000;
pub const MAX_TITLE_UTF16: usize = 2200;

const CHUNK_SIZE_INVALID: &str = "The chunk size is invalid";
const CHUNK_COUNT_INVALID: &str = "The total chunk count is invalid";

/// How a FILE_UPLOAD's bytes are cut, as declared at init and enforced on every PUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLayout {
    pub video_size: u64,
    pub chunk_size: u64,
    pub total_chunk_count: u64,
}

impl ChunkLayout {
    pub fn new(
        video_size: u64,
        chunk_size: u64,
        total_chunk_count: u64,
    ) -> Result<Self, &'static str> {
        if video_size == 0 || video_size > MAX_VIDEO {
            return Err("The video size is invalid: it must be 1 byte to 4 GB");
        }
        if total_chunk_count == 0 || total_chunk_count > MAX_CHUNKS {
            return Err(CHUNK_COUNT_INVALID);
        }
        if video_size < MIN_CHUNK {
            // A video under 5 MB is sent whole.
            if chunk_size != video_size {
                return Err(CHUNK_SIZE_INVALID);
            }
            if total_chunk_count != 1 {
                return Err(CHUNK_COUNT_INVALID);
            }
            return Ok(Self {
                video_size,
                chunk_size,
                total_chunk_count,
            });
        }
        if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
            return Err(CHUNK_SIZE_INVALID);
        }
        // The remainder rides in the last chunk, so the count is rounded down.
        if total_chunk_count != video_size / chunk_size {
            return Err(CHUNK_COUNT_INVALID);
        }
        let layout = Self {
            video_size,
            chunk_size,
            total_chunk_count,
        };
        let (first, last) = layout.chunk(total_chunk_count - 1);
        if last - first + 1 > MAX_LAST_CHUNK || (video_size > MAX_CHUNK && total_chunk_count < 2) {
            return Err(CHUNK_SIZE_INVALID);
        }
        Ok(layout)
    }

    /// The first and last byte (inclusive) of chunk `index`, counted from 0.
    pub fn chunk(&self, index: u64) -> (u64, u64) {
        let first = index * self.chunk_size;
        if index + 1 >= self.total_chunk_count {
            (first, self.video_size - 1)
        } else {
            (first, first + self.chunk_size - 1)
        }
    }

    /// The chunk that must start at byte `first`, if `first` is a chunk boundary.
    pub fn index_at(&self, first: u64) -> Option<u64> {
        let index = first / self.chunk_size;
        (first.is_multiple_of(self.chunk_size) && index < self.total_chunk_count).then_some(index)
    }
}

/// The direct post's `post_info`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PostInfo {
    pub privacy_level: PrivacyLevel,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    FileUpload(ChunkLayout),
    PullFromUrl(String),
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::InvalidParam(message.into())
}

/// Parses a JSON body that must be an object.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("The request body must be a JSON object")),
        Err(e) => Err(invalid(format!("The request body is not valid JSON: {e}"))),
    }
}

fn opt_bool(obj: &Map<String, Value>, key: &str) -> Result<Option<bool>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(format!("post_info.{key} must be a boolean"))),
    }
}

fn privacy(obj: &Map<String, Value>, options: &[PrivacyLevel]) -> Result<PrivacyLevel, ApiError> {
    let mismatch = |what: String| ApiError::PrivacyLevelOptionMismatch(what);
    match obj.get("privacy_level") {
        None | Some(Value::Null) => Err(mismatch("post_info.privacy_level is required".into())),
        Some(Value::String(s)) => PrivacyLevel::parse(s)
            .filter(|p| options.contains(p))
            .ok_or_else(|| {
                mismatch(format!(
                    "privacy_level '{s}' is not among the creator's privacy_level_options"
                ))
            }),
        Some(_) => Err(invalid("post_info.privacy_level must be a string")),
    }
}

/// Checks `post_info` against section 5.1 and the creator's privacy options.
pub fn post_info(value: Option<&Value>, options: &[PrivacyLevel]) -> Result<PostInfo, ApiError> {
    let Some(Value::Object(obj)) = value else {
        return Err(invalid("post_info is required and must be an object"));
    };
    let privacy_level = privacy(obj, options)?;
    match obj.get("title") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t.encode_utf16().count() <= MAX_TITLE_UTF16 => {}
        Some(Value::String(_)) => {
            return Err(invalid(
                "post_info.title is longer than 2200 UTF-16 code units",
            ));
        }
        Some(_) => return Err(invalid("post_info.title must be a string")),
    }
    for key in [
        "disable_comment",
        "disable_duet",
        "disable_stitch",
        "brand_organic_toggle",
        "is_aigc",
    ] {
        opt_bool(obj, key)?;
    }
    // Marked required in TikTok's table; the sandbox refuses its absence (Unsure 11).
    let branded = opt_bool(obj, "brand_content_toggle")?
        .ok_or_else(|| invalid("post_info.brand_content_toggle is required"))?;
    match obj.get("video_cover_timestamp_ms") {
        None | Some(Value::Null) => {}
        Some(v) if v.as_u64().is_some() => {}
        Some(_) => {
            return Err(invalid(
                "post_info.video_cover_timestamp_ms must be a non-negative integer",
            ));
        }
    }
    if branded && privacy_level == PrivacyLevel::SelfOnly {
        return Err(invalid(
            "Branded content visibility cannot be set to private (SELF_ONLY)",
        ));
    }
    Ok(PostInfo { privacy_level })
}

fn positive_int(obj: &Map<String, Value>, key: &str) -> Result<u64, ApiError> {
    obj.get(key).and_then(Value::as_u64).ok_or_else(|| {
        invalid(format!(
            "source_info.{key} is required and must be a positive integer"
        ))
    })
}

/// Checks `source_info` (section 5.1) and, for FILE_UPLOAD, the chunk rules (section 6). A pull
/// from a URL below `local_origin` (the sandbox's own Cast) may be plain http: the sandbox is
/// local, as for the redirect URI (contract §12).
pub fn source_info_at(
    value: Option<&Value>,
    local_origin: Option<&str>,
) -> Result<Source, ApiError> {
    let Some(Value::Object(obj)) = value else {
        return Err(invalid("source_info is required and must be an object"));
    };
    match obj.get("source").and_then(Value::as_str) {
        Some("FILE_UPLOAD") => {
            let layout = ChunkLayout::new(
                positive_int(obj, "video_size")?,
                positive_int(obj, "chunk_size")?,
                positive_int(obj, "total_chunk_count")?,
            )
            .map_err(invalid)?;
            Ok(Source::FileUpload(layout))
        }
        Some("PULL_FROM_URL") => match obj.get("video_url").and_then(Value::as_str) {
            Some(u) if url::Url::parse(u).is_ok_and(|u| u.scheme() == "https") => {
                Ok(Source::PullFromUrl(u.into()))
            }
            Some(u)
                if local_origin.is_some_and(|o| u.starts_with(&format!("{o}/")))
                    && url::Url::parse(u).is_ok() =>
            {
                Ok(Source::PullFromUrl(u.into()))
            }
            _ => Err(invalid("source_info.video_url must be an https URL")),
        },
        _ => Err(invalid(
            "source_info.source must be FILE_UPLOAD or PULL_FROM_URL",
        )),
    }
}

/// Whether `url` is covered by one of the verified properties (contract §15.1): a URL prefix
/// (it has a scheme) covers the URLs that begin with exactly it; a domain covers its host and
/// every subdomain of it.
pub fn verified(url: &str, properties: &[String]) -> bool {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    properties.iter().any(|p| {
        if p.contains("://") {
            url.starts_with(p.as_str())
        } else {
            let domain = p.trim_end_matches('.').to_ascii_lowercase();
            host.as_deref()
                .is_some_and(|h| h == domain || h.ends_with(&format!(".{domain}")))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALL: [PrivacyLevel; 3] = [
        PrivacyLevel::PublicToEveryone,
        PrivacyLevel::MutualFollowFriends,
        PrivacyLevel::SelfOnly,
    ];

    #[test]
    fn the_contract_example_is_five_chunks_with_a_long_last_one() {
        let l = ChunkLayout::new(50_000_123, 10_000_000, 5).expect("valid");
        assert_eq!(l.chunk(0), (0, 9_999_999));
        assert_eq!(l.chunk(4), (40_000_000, 50_000_122));
        assert_eq!(l.index_at(40_000_000), Some(4));
        assert_eq!(l.index_at(40_000_001), None);
        assert_eq!(
            ChunkLayout::new(50_000_123, 10_000_000, 6),
            Err(CHUNK_COUNT_INVALID)
        );
    }

    #[test]
    fn small_videos_go_whole() {
        assert!(ChunkLayout::new(1_000, 1_000, 1).is_ok());
        assert!(ChunkLayout::new(MIN_CHUNK - 1, MIN_CHUNK - 1, 1).is_ok());
        assert_eq!(ChunkLayout::new(1_000, 500, 2), Err(CHUNK_SIZE_INVALID));
        assert_eq!(ChunkLayout::new(1_000, 1_000, 2), Err(CHUNK_COUNT_INVALID));
    }

    #[test]
    fn chunk_bounds_take_the_stricter_reading() {
        // 5 MB (10^6) chunks are under 5 MiB: refused.
        assert_eq!(
            ChunkLayout::new(20_000_000, 5_000_000, 4),
            Err(CHUNK_SIZE_INVALID)
        );
        assert!(ChunkLayout::new(20_000_000, MIN_CHUNK, 3).is_ok());
        // 64 MiB chunks exceed 64,000,000.
        assert_eq!(
            ChunkLayout::new(200_000_000, 67_108_864, 2),
            Err(CHUNK_SIZE_INVALID)
        );
        // A video over 64 MB in one piece is refused even within the last-chunk bound.
        assert_eq!(
            ChunkLayout::new(100_000_000, 60_000_000, 1),
            Err(CHUNK_SIZE_INVALID)
        );
        assert!(ChunkLayout::new(64_000_000, 64_000_000, 1).is_ok());
        // The last chunk may not pass 128,000,000.
        assert!(ChunkLayout::new(127_999_999, 64_000_000, 1).is_err());
        assert!(ChunkLayout::new(191_000_000, 64_000_000, 2).is_ok());
        assert_eq!(
            ChunkLayout::new(192_000_001, 64_000_000, 3).map(|l| l.chunk(2)),
            Ok((128_000_000, 192_000_000))
        );
    }

    #[test]
    fn counts_sizes_and_the_thousand_chunk_cap() {
        assert!(ChunkLayout::new(0, 0, 1).is_err());
        assert!(ChunkLayout::new(MAX_VIDEO + 1, 64_000_000, 62).is_err());
        assert!(ChunkLayout::new(MAX_VIDEO, 64_000_000, 62).is_ok());
        // Within 4 GB, 5 MiB chunks make at most 762, so the 1000 cap never binds first;
        // a declared count over 1000 is still refused as such.
        assert_eq!(
            ChunkLayout::new(MAX_VIDEO, MIN_CHUNK, 762).map(|l| l.total_chunk_count),
            Ok(762)
        );
        assert_eq!(
            ChunkLayout::new(MAX_VIDEO, MIN_CHUNK, 1001),
            Err(CHUNK_COUNT_INVALID)
        );
    }

    #[test]
    fn post_info_rules() {
        let ok = json!({"privacy_level": "SELF_ONLY", "brand_content_toggle": false, "title": "hi #cast"});
        assert_eq!(
            post_info(Some(&ok), &ALL).expect("valid").privacy_level,
            PrivacyLevel::SelfOnly
        );
        let code = |v: Value| post_info(Some(&v), &ALL).expect_err("refused").code();
        assert_eq!(
            code(json!({"brand_content_toggle": false})),
            "privacy_level_option_mismatch"
        );
        assert_eq!(
            code(json!({"privacy_level": "FOLLOWER_OF_CREATOR", "brand_content_toggle": false})),
            "privacy_level_option_mismatch"
        );
        assert_eq!(code(json!({"privacy_level": "SELF_ONLY"})), "invalid_param");
        assert_eq!(
            code(json!({"privacy_level": "SELF_ONLY", "brand_content_toggle": true})),
            "invalid_param"
        );
        assert_eq!(
            code(json!({"privacy_level": "SELF_ONLY", "brand_content_toggle": "no"})),
            "invalid_param"
        );
        assert_eq!(
            code(
                json!({"privacy_level": "SELF_ONLY", "brand_content_toggle": false, "title": "😀".repeat(1101)})
            ),
            "invalid_param"
        );
        // 2200 UTF-16 units exactly is fine, even though it is 4400 bytes.
        let title = json!({"privacy_level": "SELF_ONLY", "brand_content_toggle": false, "title": "😀".repeat(1100)});
        assert!(post_info(Some(&title), &ALL).is_ok());
    }

    #[test]
    fn source_info_rules() {
        let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
        assert!(matches!(
            source_info_at(Some(&file), None),
            Ok(Source::FileUpload(_))
        ));
        let float = json!({"source": "FILE_UPLOAD", "video_size": 1000.0, "chunk_size": 1000, "total_chunk_count": 1});
        assert!(source_info_at(Some(&float), None).is_err());
        let url = json!({"source": "PULL_FROM_URL", "video_url": "https://example.com/v.mp4"});
        assert!(matches!(
            source_info_at(Some(&url), None),
            Ok(Source::PullFromUrl(_))
        ));
        assert!(
            source_info_at(
                Some(&json!({"source": "PULL_FROM_URL", "video_url": "http://x/v.mp4"})),
                None
            )
            .is_err()
        );
        assert!(source_info_at(Some(&json!({"source": "UPLOAD"})), None).is_err());
        assert!(source_info_at(None, None).is_err());
        let local =
            json!({"source": "PULL_FROM_URL", "video_url": "http://127.0.0.1:9/m/t/video.mp4"});
        assert!(source_info_at(Some(&local), Some("http://127.0.0.1:9")).is_ok());
        assert!(source_info_at(Some(&local), Some("http://127.0.0.1:8")).is_err());
    }

    #[test]
    fn verified_prefixes_cover_what_begins_with_them_and_domains_their_subdomains() {
        let props = vec![
            "https://cast.example.com/m/".to_string(),
            "static.example.org".to_string(),
        ];
        assert!(verified("https://cast.example.com/m/abc/video.mp4", &props));
        assert!(!verified(
            "https://cast.example.com/other/video.mp4",
            &props
        ));
        assert!(!verified(
            "https://evil.com/https://cast.example.com/m/",
            &props
        ));
        assert!(verified("https://video.static.example.org/v.mp4", &props));
        assert!(verified("https://static.example.org/v.mp4", &props));
        assert!(!verified("https://example.org/v.mp4", &props));
        assert!(!verified("https://cast.example.com/m/x", &[]));
    }
}
