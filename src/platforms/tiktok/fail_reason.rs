//! TikTok's `fail_reason` (contract §7) in words a person can act on, and what each means for
//! the target: read alike from a polled FAILED and from a `post.publish.failed` webhook.

use crate::platforms::Event;

/// What TikTok was publishing: the checks it names read differently for a carousel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Video,
    Photos,
}

/// The reasons whose words differ for photos (Cast's own image checks make them rare).
fn photo_words(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "file_format_check_failed" => {
            "TikTok could not read one of the images. Export them as JPEG (or WebP) and post them again."
        }
        "picture_size_check_failed" => {
            "TikTok refused an image's size (at most 1080p: 1920 pixels on the longer side, 1080 on the shorter). Scale the images down and post them again."
        }
        "spam_risk_text" => {
            "TikTok judged the title or description to be spam. Change them and post again."
        }
        _ => return None,
    })
}

/// TikTok's `fail_reason` (§7), for a person. TikTok said FAILED, so this upload can never be
/// published: the target is no longer committed and Retry may send it again. `internal` is
/// TikTok's fault and Cast sends it again by itself.
pub fn failed(reason: Option<&str>, media: Media) -> Event {
    let reason = reason.unwrap_or("unknown");
    let photos = media == Media::Photos;
    if reason == "internal" {
        let what = if photos {
            "the photos; Cast sends them"
        } else {
            "the video; Cast sends it"
        };
        return Event::SessionLost {
            code: "internal".into(),
            message: format!("TikTok had a problem processing {what} again."),
            definitive: true,
        };
    }
    let message = match reason {
        r if photos && photo_words(r).is_some() => photo_words(r).unwrap_or_default(),
        "file_format_check_failed" => {
            "TikTok could not read the video's format. Export it as MP4 (H.264) and upload it again."
        }
        "duration_check_failed" => {
            "TikTok refused the video's length for this account. Trim it and upload it again."
        }
        "frame_rate_check_failed" => {
            "TikTok refused the video's frame rate (it takes 23 to 60 fps). Export it at 30 fps."
        }
        "picture_size_check_failed" => {
            "TikTok refused the picture size (every side must be 360 to 4096 pixels). Export it at 1080×1920."
        }
        "video_pull_failed" => {
            "TikTok could not fetch the video from Cast. Press Retry to send it again."
        }
        "photo_pull_failed" => "TikTok could not fetch the photo. Press Retry to send it again.",
        "publish_cancelled" => "The post was cancelled on TikTok's side.",
        "auth_removed" => {
            "The account removed Cast's access on TikTok while TikTok was processing the post. Reconnect it, then retry."
        }
        "spam_risk_too_many_posts" => {
            "This account has reached TikTok's daily limit of posts through apps. Retry tomorrow, or post from the TikTok app."
        }
        "spam_risk_user_banned_from_posting" => {
            "TikTok does not allow this account to post right now."
        }
        "spam_risk_text" => {
            "TikTok judged the title to be spam. Change the title and upload again."
        }
        "spam_risk" => "TikTok refused the post as a spam risk.",
        "app_version_check_failed" => {
            "The TikTok app on the phone is too old for this (TikTok wants version 31.8 or later). Update TikTok on your phone, then press Retry."
        }
        _ if photos => "TikTok could not publish the photos.",
        _ => "TikTok could not publish the video.",
    };
    Event::Refused {
        code: reason.to_string(),
        message: format!("{message} (TikTok: {reason})"),
        definitive: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_failures_start_over_and_others_explain_themselves() {
        assert!(matches!(
            failed(Some("internal"), Media::Video),
            Event::SessionLost {
                definitive: true,
                ..
            }
        ));
        match failed(Some("file_format_check_failed"), Media::Video) {
            Event::Refused {
                code,
                message,
                definitive,
            } => {
                assert_eq!(code, "file_format_check_failed");
                assert!(message.contains("format"), "{message}");
                assert!(definitive);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_fail_reason_of_the_contract_has_words() {
        for reason in [
            "file_format_check_failed",
            "duration_check_failed",
            "frame_rate_check_failed",
            "picture_size_check_failed",
            "video_pull_failed",
            "photo_pull_failed",
            "publish_cancelled",
            "auth_removed",
            "spam_risk_too_many_posts",
            "spam_risk_user_banned_from_posting",
            "spam_risk_text",
            "spam_risk",
            "app_version_check_failed",
        ] {
            let Event::Refused { message, .. } = failed(Some(reason), Media::Video) else {
                panic!("{reason} ends the target");
            };
            assert!(
                !message.starts_with("TikTok could not publish the video."),
                "{reason}: {message}"
            );
        }
        let Event::Refused { message, .. } = failed(Some("brand_new_reason"), Media::Video) else {
            panic!("permanent");
        };
        assert!(message.contains("brand_new_reason"));
    }

    #[test]
    fn a_carousel_tiktok_could_not_check_is_told_in_words_about_images() {
        for reason in ["file_format_check_failed", "picture_size_check_failed"] {
            let Event::Refused { message, code, .. } = failed(Some(reason), Media::Photos) else {
                panic!("{reason} ends the target");
            };
            assert_eq!(code, reason);
            assert!(message.contains("image"), "{reason}: {message}");
            assert!(!message.contains("video"), "{reason}: {message}");
        }
        let Event::Refused { message, .. } = failed(Some("brand_new_reason"), Media::Photos) else {
            panic!("permanent");
        };
        assert!(message.starts_with("TikTok could not publish the photos."));
        let Event::SessionLost { message, .. } = failed(Some("internal"), Media::Photos) else {
            panic!("sent again");
        };
        assert!(message.contains("photos"), "{message}");
    }
}
