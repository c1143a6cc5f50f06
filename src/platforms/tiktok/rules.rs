//! TikTok's posting rules that depend on the creator (contract §4, §9, §10), checked server-side
//! against creator info fetched fresh for this post, before anything is queued.

use super::client::privacy::PrivacyLevel;
use super::client::users::CreatorInfo;
use super::options::{PostMode, TikTokOptions};
use crate::platforms::Problem;

/// The explanation given whenever TikTok's unaudited-app limit decides a post (contract §9,
/// §11): the TikTok *account* must be private; "Only me" alone does not fix it.
pub const UNAUDITED_EXPLANATION: &str = super::client::error::UNAUDITED;

/// Every rule these options break for this creator; empty when TikTok should take them.
/// `unaudited`: TikTok has already said this app may only post privately.
pub fn check(o: &TikTokOptions, creator: &CreatorInfo, unaudited: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    if o.mode == PostMode::Inbox {
        // Inbox drafts carry no post settings: the creator sets them in the TikTok app.
        return problems;
    }
    if let Some(level) = o.privacy_level {
        if !creator.privacy_level_options.contains(&level) {
            let offered: Vec<&str> = creator
                .privacy_level_options
                .iter()
                .map(|p| p.as_str())
                .collect();
            problems.push(Problem::new(
                "privacy_level_not_offered",
                format!(
                    "This account cannot post as {level}: TikTok offers {}.",
                    offered.join(", ")
                ),
            ));
        }
        if o.brand_content_toggle && level == PrivacyLevel::SelfOnly {
            problems.push(Problem::new(
                "branded_content_private",
                "Branded content visibility cannot be set to private. Choose another privacy level, or untick Branded content.",
            ));
        }
        if unaudited && level != PrivacyLevel::SelfOnly {
            problems.push(Problem::new("unaudited_app", UNAUDITED_EXPLANATION));
        }
    }
    let interactions = [
        ("comment", o.disable_comment, creator.comment_disabled),
        ("duet", o.disable_duet, creator.duet_disabled),
        ("stitch", o.disable_stitch, creator.stitch_disabled),
    ];
    for (what, off, creator_off) in interactions {
        if !off && creator_off {
            problems.push(Problem::new(
                match what {
                    "comment" => "comment_disabled",
                    "duet" => "duet_disabled",
                    _ => "stitch_disabled",
                },
                format!(
                    "This account has turned {what}s off on TikTok, so Cast cannot allow them. Leave {what}s off (disable_{what}=true)."
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creator() -> CreatorInfo {
        CreatorInfo {
            creator_avatar_url: String::new(),
            creator_username: "alice".into(),
            creator_nickname: "Alice".into(),
            privacy_level_options: vec![
                PrivacyLevel::PublicToEveryone,
                PrivacyLevel::MutualFollowFriends,
                PrivacyLevel::SelfOnly,
            ],
            comment_disabled: false,
            duet_disabled: true,
            stitch_disabled: false,
            max_video_post_duration_sec: 600,
        }
    }

    fn request(pairs: &[(&str, &str)]) -> TikTokOptions {
        let map = crate::platforms::tiktok::options::from_form(pairs.iter().copied())
            .expect("form fields");
        TikTokOptions::parse(&map).expect("parses")
    }

    fn codes(problems: Vec<Problem>) -> Vec<&'static str> {
        problems.iter().map(|p| p.code).collect()
    }

    #[test]
    fn a_plain_private_post_passes() {
        assert!(
            check(
                &request(&[("privacy_level", "SELF_ONLY")]),
                &creator(),
                false
            )
            .is_empty()
        );
    }

    #[test]
    fn a_level_the_creator_lacks_is_refused() {
        let r = request(&[("privacy_level", "FOLLOWER_OF_CREATOR")]);
        assert_eq!(
            codes(check(&r, &creator(), false)),
            ["privacy_level_not_offered"]
        );
    }

    #[test]
    fn an_interaction_the_creator_disabled_cannot_be_switched_on() {
        let r = request(&[("privacy_level", "SELF_ONLY"), ("disable_duet", "false")]);
        assert_eq!(codes(check(&r, &creator(), false)), ["duet_disabled"]);
        let r = request(&[("privacy_level", "SELF_ONLY"), ("disable_comment", "false")]);
        assert!(check(&r, &creator(), false).is_empty());
    }

    #[test]
    fn branded_content_cannot_be_private() {
        let r = request(&[
            ("privacy_level", "SELF_ONLY"),
            ("brand_content_toggle", "true"),
        ]);
        assert_eq!(
            codes(check(&r, &creator(), false)),
            ["branded_content_private"]
        );
    }

    #[test]
    fn an_unaudited_app_may_only_post_privately_or_to_the_inbox() {
        let public = request(&[("privacy_level", "PUBLIC_TO_EVERYONE")]);
        assert_eq!(codes(check(&public, &creator(), true)), ["unaudited_app"]);
        assert!(
            check(
                &request(&[("privacy_level", "SELF_ONLY")]),
                &creator(),
                true
            )
            .is_empty()
        );
        assert!(check(&request(&[("mode", "inbox")]), &creator(), true).is_empty());
    }
}
