//! TikTok's `fail_reason` (contract §7) in words a person can act on, and what each means for
//! the target: read alike from a polled FAILED and from a `post.publish.failed` webhook.

use crate::platforms::Event;

/// TikTok's `fail_reason` (§7), for a person. TikTok said FAILED, so this upload can never be
/// published: the target is no longer committed and Retry may send it again. `internal` is
/// TikTok's fault and Cast sends it again by itself.
pub fn failed(reason: Option<&str>) -> Event {
    let reason = reason.unwrap_or("unknown");
    let message = match reason {
        "internal" => {
            return Event::SessionLost {
                code: "internal".into(),
                message: "TikTok had a problem processing the video; Cast sends it again.".into(),
                definitive: true,
            };
        }
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
            "The account removed Cast's access on TikTok while the video was processing. Reconnect it, then retry."
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
            failed(Some("internal")),
            Event::SessionLost {
                definitive: true,
                ..
            }
        ));
        match failed(Some("file_format_check_failed")) {
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
            let Event::Refused { message, .. } = failed(Some(reason)) else {
                panic!("{reason} ends the target");
            };
            assert!(
                !message.starts_with("TikTok could not publish the video."),
                "{reason}: {message}"
            );
        }
        let Event::Refused { message, .. } = failed(Some("brand_new_reason")) else {
            panic!("permanent");
        };
        assert!(message.contains("brand_new_reason"));
    }
}
