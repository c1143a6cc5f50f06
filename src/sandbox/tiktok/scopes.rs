//! TikTok's scopes, what the consent page says about each, and which user-info field needs which.

pub const USER_INFO_BASIC: &str = "user.info.basic";
pub const USER_INFO_PROFILE: &str = "user.info.profile";
pub const USER_INFO_STATS: &str = "user.info.stats";
pub const VIDEO_UPLOAD: &str = "video.upload";
pub const VIDEO_PUBLISH: &str = "video.publish";
pub const VIDEO_LIST: &str = "video.list";

/// The scopes this client may request, with the sentence TikTok's consent screen shows.
const KNOWN: [(&str, &str); 6] = [
    (
        USER_INFO_BASIC,
        "Read your profile info (avatar, display name)",
    ),
    (
        USER_INFO_PROFILE,
        "Read your username, bio and verification status",
    ),
    (USER_INFO_STATS, "Read your follower, like and video counts"),
    (VIDEO_LIST, "Read your public videos"),
    (
        VIDEO_UPLOAD,
        "Upload content to your TikTok inbox as drafts",
    ),
    (VIDEO_PUBLISH, "Post content to your TikTok profile"),
];

pub fn describe(scope: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(name, _)| *name == scope)
        .map(|(_, text)| *text)
}

/// Splits TikTok's comma-separated scope list, dropping blanks and repeats, keeping the order.
pub fn split(list: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

/// The user-info fields (contract section 3) and the scope each needs.
pub fn field_scope(field: &str) -> Option<&'static str> {
    Some(match field {
        "open_id" | "union_id" | "avatar_url" | "avatar_url_100" | "avatar_large_url"
        | "display_name" => USER_INFO_BASIC,
        "username" | "bio_description" | "profile_deep_link" | "is_verified" => USER_INFO_PROFILE,
        "follower_count" | "following_count" | "likes_count" | "video_count" => USER_INFO_STATS,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_lists_are_comma_separated_and_deduplicated() {
        assert_eq!(
            split(" user.info.basic,video.upload,,video.upload "),
            vec!["user.info.basic", "video.upload"]
        );
        assert!(split("").is_empty());
    }

    #[test]
    fn each_field_has_its_scope() {
        assert_eq!(field_scope("display_name"), Some(USER_INFO_BASIC));
        assert_eq!(field_scope("username"), Some(USER_INFO_PROFILE));
        assert_eq!(field_scope("likes_count"), Some(USER_INFO_STATS));
        assert_eq!(field_scope("email"), None);
        assert!(describe(VIDEO_PUBLISH).is_some());
        assert!(describe("user.info.email").is_none());
    }
}
