//! What a TikTok photo post (a carousel, contract §15.2) must be before Cast sends it: the title
//! and description limits, the cover among the images, and a verified pull prefix, since TikTok
//! takes photos by URL only. Duet and Stitch do not apply to photos (§10, §15.2).

use super::client::photos::{MAX_PHOTO_DESCRIPTION_UTF16, MAX_PHOTO_TITLE_UTF16};
use super::options::TikTokOptions;
#[cfg(test)]
use super::options::cover_index;
use crate::platforms::Problem;

/// Why photos are not offered yet, and the three steps that fix it.
pub const PULL_WALKTHROUGH: &str = "TikTok takes photo posts only by fetching each image from a URL prefix verified for this app, and this Cast has none set up yet. \
1. In TikTok's developer portal, open your app → URL properties and add a URL prefix that reaches Cast's public links: your BASE_URL followed by /m/ (for example https://cast.example.com/m/). \
2. TikTok gives you a verification file: upload it on Cast's Settings page under \"TikTok URL prefix\" (Cast serves it there), then press Verify in the portal. \
3. Set TIKTOK_PULL_URL_PREFIX to that prefix and restart Cast. Then post the images again.";

/// The options' problems for a carousel of `count` images; empty when TikTok should take it.
pub fn check(o: &TikTokOptions, count: usize, pull_ready: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !pull_ready {
        problems.push(Problem::new("photos_need_pull_prefix", PULL_WALKTHROUGH));
    }
    let title = o.title.as_str().encode_utf16().count();
    if title > MAX_PHOTO_TITLE_UTF16 {
        problems.push(Problem::new(
            "title_too_long",
            format!(
                "A photo post's title is {title} characters long as TikTok counts them; TikTok takes at most {MAX_PHOTO_TITLE_UTF16} for photos. Shorten it, and put the rest in the description."
            ),
        ));
    }
    let description = o.description.encode_utf16().count();
    if description > MAX_PHOTO_DESCRIPTION_UTF16 {
        problems.push(Problem::new(
            "description_too_long",
            format!(
                "The description is {description} characters long as TikTok counts them; TikTok takes at most {MAX_PHOTO_DESCRIPTION_UTF16}. Shorten it."
            ),
        ));
    }
    let cover = o.photo_cover_index.unwrap_or(0) as usize;
    if cover >= count {
        problems.push(Problem::new(
            "photo_cover_out_of_range",
            format!(
                "photo_cover_index is {cover}, but the post has {count} image(s), counted from 0: use 0 to {}.",
                count.saturating_sub(1)
            ),
        ));
    }
    if o.video_cover_timestamp_ms.is_some() {
        problems.push(Problem::new(
            "video_option_on_photos",
            "video_cover_timestamp_ms is for videos: a photo post's cover is photo_cover_index.",
        ));
    }
    problems
}

/// Photo-only options on a video post are a mistake worth saying.
pub fn check_video(o: &TikTokOptions) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !o.description.is_empty() || o.photo_cover_index.is_some() {
        problems.push(Problem::new(
            "photo_option_on_video",
            "description and photo_cover_index are for photo posts; a video's text is its title.",
        ));
    }
    problems
}

/// The options with Duet and Stitch out of the way: they do not apply to photos, so a creator
/// who disabled them is no reason to refuse a carousel.
pub fn without_video_switches(o: &TikTokOptions) -> TikTokOptions {
    TikTokOptions {
        disable_duet: true,
        disable_stitch: true,
        ..o.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn options(raw: Value) -> TikTokOptions {
        let Value::Object(map) = raw else {
            panic!("object")
        };
        TikTokOptions::parse(&map).expect("valid options")
    }

    fn codes(p: &[Problem]) -> Vec<&str> {
        p.iter().map(|p| p.code).collect()
    }

    #[test]
    fn a_carousel_with_a_short_title_and_its_cover_among_the_images_passes() {
        let o = options(json!({"title": "Trip", "description": "Three days",
            "privacy_level": "SELF_ONLY", "photo_cover_index": 2}));
        assert!(check(&o, 3, true).is_empty());
    }

    #[test]
    fn the_photo_limits_are_tighter_than_a_videos() {
        let o = options(
            json!({"title": "x".repeat(91), "description": "d".repeat(4001),
            "privacy_level": "SELF_ONLY", "photo_cover_index": 3}),
        );
        assert_eq!(
            codes(&check(&o, 3, true)),
            [
                "title_too_long",
                "description_too_long",
                "photo_cover_out_of_range"
            ]
        );
    }

    #[test]
    fn without_a_pull_prefix_the_owner_is_walked_through_setting_one_up() {
        let o = options(json!({"privacy_level": "SELF_ONLY"}));
        let problems = check(&o, 1, false);
        assert_eq!(codes(&problems), ["photos_need_pull_prefix"]);
        let m = &problems[0].message;
        assert!(
            m.contains("developer portal")
                && m.contains("Settings")
                && m.contains("TIKTOK_PULL_URL_PREFIX"),
            "{m}"
        );
    }

    #[test]
    fn the_cover_index_is_a_whole_number_from_zero() {
        assert_eq!(cover_index(Some(&json!(4))).expect("ok"), Some(4));
        assert_eq!(cover_index(Some(&json!("2"))).expect("ok"), Some(2));
        assert_eq!(cover_index(None).expect("ok"), None);
        assert!(cover_index(Some(&json!(-1))).is_err());
        assert!(cover_index(Some(&json!("first"))).is_err());
    }

    #[test]
    fn photo_options_on_a_video_are_refused() {
        let o = options(json!({"privacy_level": "SELF_ONLY", "description": "d"}));
        assert_eq!(codes(&check_video(&o)), ["photo_option_on_video"]);
    }
}
