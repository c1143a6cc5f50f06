//! What each of Meta's failures means for the owner, and what they can do (contract section 9).

/// What each known failure means for the owner, and what they can do.
pub(super) fn explain(code: Option<i64>, subcode: Option<i64>) -> Option<&'static str> {
    by_subcode(subcode).or_else(|| by_code(code))
}

fn by_subcode(subcode: Option<i64>) -> Option<&'static str> {
    match subcode {
        Some(2207003) => Some(
            "Instagram took too long to download the video from Cast's link. Cast will try once more with a new link; if it fails again, check your tunnel's speed.",
        ),
        Some(2207020) => Some(
            "The upload expired at Instagram before it was published. Cast will start it again.",
        ),
        Some(2207001) => Some("Instagram had a problem on its side. Cast will try again shortly."),
        Some(2207032 | 2207053) => {
            Some("Instagram could not prepare the upload. Cast will start it again once.")
        }
        Some(2207057) => Some(
            "The cover frame is outside the video. Pick a cover time within the video's length.",
        ),
        Some(2207051) => Some(
            "Instagram restricted this account's activity to protect its community. Cast will not post to it for an hour; check the Instagram app.",
        ),
        Some(2207042) => Some(
            "This account has reached Instagram's limit of posts through apps for 24 hours. Cast will post when the limit resets.",
        ),
        Some(2207006) => Some(
            "Instagram no longer finds the upload. Cast will check the account's connection and start it again.",
        ),
        Some(2207008) => {
            Some("Instagram no longer knows the upload. Cast will try again, then start it again.")
        }
        Some(2207050) => Some(
            "The Instagram account is restricted, inactive or needs attention: open the Instagram app and clear what it asks, then retry.",
        ),
        Some(2207023) => Some(
            "Instagram did not recognise the media type Cast sent. This is a bug in Cast; please report it.",
        ),
        Some(2207040) => {
            Some("The caption tags more than 20 accounts. Remove some @-mentions and retry.")
        }
        Some(2207010) => Some("The caption is longer than 2,200 characters. Shorten it and retry."),
        Some(2207026) => Some(
            "Instagram does not accept this video's format. Export it as MP4 (H.264, AAC audio, 30 fps, at most 1920 pixels wide, index at the front) and retry.",
        ),
        Some(2207052 | 2207076 | 2207077 | 2207082) => Some(
            "Instagram could not fetch the video from Cast's link. Check that BASE_URL reaches Cast from the internet through your tunnel, that nothing in front of it (Cloudflare Bot Fight Mode, a login page) blocks non-browser clients, and see the link's fetch log.",
        ),
        Some(2207027) => {
            Some("Instagram is still processing the video. Cast will wait and publish it then.")
        }
        Some(2207004) => Some("The cover image is larger than 8 MB. Pick a smaller one."),
        Some(2207005) => Some("Instagram does not accept the cover image's format. Use a JPEG."),
        Some(2207009) => {
            Some("The cover image's shape is out of Instagram's range. Use a 9:16 image.")
        }
        Some(2207018) => Some(
            "Instagram could not tag a collaborator. Check the usernames (without @) and retry.",
        ),
        _ => None,
    }
}

fn by_code(code: Option<i64>) -> Option<&'static str> {
    match code {
        Some(1 | 2) => Some("Instagram had a problem on its side. Cast will try again shortly."),
        Some(4 | 17 | 32 | 613 | 80002) => {
            Some("Instagram is limiting how often Cast may call it. Cast will try again later.")
        }
        Some(190) => Some(
            "Instagram no longer accepts this account's sign-in. Connect the account again from the dashboard.",
        ),
        Some(10 | 200..=299) => Some(
            "Instagram says Cast lacks a permission for this account. Connect the account again and allow every permission asked.",
        ),
        Some(368) => Some("Instagram has temporarily blocked this action for policy reasons."),
        Some(9004) => Some("Instagram could not fetch the video from Cast's link."),
        Some(9) => {
            Some("This account has reached an Instagram limit. Cast will try again when it resets.")
        }
        Some(100) => Some("Instagram refused a value Cast sent."),
        _ => None,
    }
}
