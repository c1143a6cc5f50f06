//! The TikTok sandbox's knobs (contract section 12), read with the rest of the settings.

mod faults;
mod forms;
mod webhooks;

use std::time::Duration;

use faults::parse_faults;
pub use faults::{Fault, FaultAction, FaultSpan, FaultStep};
use forms::forms;
pub use forms::{ChunkReply, Forms, OAuthErrorStatus, PostIdForm, TokenType};
pub use webhooks::{SandboxWebhookSettings, WebhookTarget};

use crate::config::{ConfigError, Source, parse_number, read};

/// TikTok's four privacy levels, by the names its API uses (contract section 4). The sandbox
/// holds its own type for them; here they are only checked names.
pub const PRIVACY_LEVELS: [&str; 4] = [
    "PUBLIC_TO_EVERYONE",
    "MUTUAL_FOLLOW_FRIENDS",
    "FOLLOWER_OF_CREATOR",
    "SELF_ONLY",
];

#[derive(Debug, Clone)]
pub struct TikTokSandboxSettings {
    pub token_ttl: Duration,
    pub refresh_ttl: Duration,
    /// Whether an authorize request without a PKCE challenge is let through.
    pub pkce_optional: bool,
    pub oauth_error_status: Forms<OAuthErrorStatus>,
    pub token_type: Forms<TokenType>,
    pub processing: Duration,
    pub upload_url_ttl: Duration,
    pub chunk_reply: Forms<ChunkReply>,
    pub refuse_multi_chunk: bool,
    pub post_id_form: Forms<PostIdForm>,
    /// How long after `PUBLISH_COMPLETE` a public post's id shows in status fetch; None: never.
    pub post_id_after: Option<Duration>,
    pub faults: Vec<Fault>,
    pub max_duration_sec: u32,
    pub account_private: bool,
    /// Names from `PRIVACY_LEVELS`, in the order creator info lists them.
    pub privacy_options: Vec<&'static str>,
    pub comment_disabled: bool,
    pub duet_disabled: bool,
    pub stitch_disabled: bool,
    pub unaudited: bool,
    pub inbox_downgrade: bool,
    pub cannot_post: bool,
    /// Where and how the sandbox sends its webhooks.
    pub webhooks: SandboxWebhookSettings,
    /// `CAST_SANDBOX_VERIFIED_URLS`: the domains and URL prefixes counted as verified in the
    /// portal for PULL_FROM_URL (none by default, as for a new TikTok app).
    pub verified_urls: Vec<String>,
    /// How long a pull may take before it fails (`CAST_SANDBOX_PULL_TIMEOUT_SECS`).
    pub pull_timeout: Duration,
    /// `CAST_SANDBOX_APP_VERSION_OLD`: the creator's TikTok app is older than 31.8, so photo
    /// inbox inits fail with `app_version_check_failed` (contract §15.2).
    pub app_version_old: bool,
}

const PUBLIC_ACCOUNT: [&str; 3] = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"];
const PRIVATE_ACCOUNT: [&str; 3] = ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"];

impl Default for TikTokSandboxSettings {
    fn default() -> Self {
        Self {
            // The lifetimes seen in real answers (contract §2.2, §13 point 1).
            token_ttl: Duration::from_secs(86_400),
            refresh_ttl: Duration::from_secs(31_536_000),
            pkce_optional: false,
            oauth_error_status: Forms::Rotate,
            token_type: Forms::Rotate,
            processing: Duration::from_millis(3000),
            upload_url_ttl: Duration::from_secs(3600),
            chunk_reply: Forms::Rotate,
            refuse_multi_chunk: false,
            post_id_form: Forms::Rotate,
            post_id_after: Some(Duration::from_millis(5000)),
            faults: Vec::new(),
            max_duration_sec: 600,
            account_private: false,
            privacy_options: PUBLIC_ACCOUNT.to_vec(),
            comment_disabled: false,
            duet_disabled: false,
            stitch_disabled: false,
            unaudited: false,
            inbox_downgrade: false,
            cannot_post: false,
            webhooks: SandboxWebhookSettings::default(),
            verified_urls: Vec::new(),
            pull_timeout: Duration::from_secs(3600),
            app_version_old: false,
        }
    }
}

fn positive_secs(
    src: &dyn Source,
    name: &'static str,
    default: u64,
    example: &'static str,
) -> Result<Duration, ConfigError> {
    let n: u64 = parse_number(src, name, default, example)?;
    if n == 0 {
        return Err(ConfigError::new(name, "must be at least 1 second", example));
    }
    Ok(Duration::from_secs(n))
}

impl TikTokSandboxSettings {
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let mut s = Self::default();
        s.read_oauth(src)?;
        s.read_posting(src)?;
        s.read_creator(src)?;
        s.webhooks = SandboxWebhookSettings::from_source(src)?;
        s.faults = match read(src, "CAST_SANDBOX_FAULTS") {
            None => Vec::new(),
            Some(v) => parse_faults(&v)?,
        };
        Ok(s)
    }

    /// Tokens, PKCE and the OAuth endpoints' answers.
    fn read_oauth(&mut self, src: &dyn Source) -> Result<(), ConfigError> {
        self.token_ttl = positive_secs(src, "CAST_SANDBOX_TOKEN_TTL", 86_400, "86400")?;
        self.refresh_ttl = positive_secs(src, "CAST_SANDBOX_REFRESH_TTL", 31_536_000, "31536000")?;
        self.pkce_optional = match read(src, "CAST_SANDBOX_PKCE").as_deref() {
            None | Some("required") => false,
            Some("optional") => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "CAST_SANDBOX_PKCE",
                    format!("'{other}' is not required or optional"),
                    "optional",
                ));
            }
        };
        self.oauth_error_status = forms(
            src,
            "CAST_SANDBOX_OAUTH_ERROR_STATUS",
            &[
                ("documented", OAuthErrorStatus::Documented),
                ("200", OAuthErrorStatus::Ok),
            ],
            "200",
        )?;
        self.token_type = forms(
            src,
            "CAST_SANDBOX_TOKEN_TYPE",
            &[
                ("present", TokenType::Present),
                ("absent", TokenType::Absent),
            ],
            "absent",
        )?;
        Ok(())
    }

    /// Uploads, processing and the post id.
    fn read_posting(&mut self, src: &dyn Source) -> Result<(), ConfigError> {
        let processing: u64 = parse_number(src, "CAST_SANDBOX_PROCESSING_MS", 3000, "3000")?;
        self.processing = Duration::from_millis(processing);
        self.upload_url_ttl = positive_secs(src, "CAST_SANDBOX_UPLOAD_URL_TTL", 3600, "3600")?;
        self.chunk_reply = forms(
            src,
            "CAST_SANDBOX_CHUNK_REPLY",
            &[
                ("documented", ChunkReply::Documented),
                ("200", ChunkReply::Ok),
                ("bare", ChunkReply::Bare),
            ],
            "200",
        )?;
        self.refuse_multi_chunk = parse_flag(src, "CAST_SANDBOX_REFUSE_MULTI_CHUNK")?;
        self.post_id_form = forms(
            src,
            "CAST_SANDBOX_POST_ID_FORM",
            &[
                ("list", PostIdForm::List),
                ("string", PostIdForm::String),
                ("number", PostIdForm::Number),
                ("absent", PostIdForm::Absent),
            ],
            "string",
        )?;
        self.post_id_after = match read(src, "CAST_SANDBOX_POST_ID_AFTER_MS").as_deref() {
            Some("never") => None,
            _ => Some(Duration::from_millis(parse_number(
                src,
                "CAST_SANDBOX_POST_ID_AFTER_MS",
                5000,
                "5000",
            )?)),
        };
        self.unaudited = parse_flag(src, "CAST_SANDBOX_UNAUDITED")?;
        self.inbox_downgrade = parse_flag(src, "CAST_SANDBOX_INBOX_DOWNGRADE")?;
        self.verified_urls = read(src, "CAST_SANDBOX_VERIFIED_URLS")
            .map(|raw| {
                raw.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        self.pull_timeout = positive_secs(src, "CAST_SANDBOX_PULL_TIMEOUT_SECS", 3600, "3600")?;
        self.app_version_old = parse_flag(src, "CAST_SANDBOX_APP_VERSION_OLD")?;
        Ok(())
    }

    /// The creator: account, privacy options, interactions, limits.
    fn read_creator(&mut self, src: &dyn Source) -> Result<(), ConfigError> {
        let max_duration_sec: u32 = parse_number(src, "CAST_SANDBOX_MAX_DURATION_SEC", 600, "600")?;
        if max_duration_sec == 0 || max_duration_sec > 600 {
            return Err(ConfigError::new(
                "CAST_SANDBOX_MAX_DURATION_SEC",
                format!("'{max_duration_sec}' is out of range: TikTok allows 1 to 600 seconds"),
                "180",
            ));
        }
        self.max_duration_sec = max_duration_sec;
        self.cannot_post = parse_flag(src, "CAST_SANDBOX_CANNOT_POST")?;
        self.account_private = parse_flag(src, "CAST_SANDBOX_ACCOUNT_PRIVATE")?;
        self.privacy_options = match read(src, "CAST_SANDBOX_PRIVACY_OPTIONS") {
            None if self.account_private => PRIVATE_ACCOUNT.to_vec(),
            None => PUBLIC_ACCOUNT.to_vec(),
            Some(v) => parse_privacy(&v)?,
        };
        // A private account cannot be duetted or stitched (contract §4).
        self.duet_disabled = self.account_private;
        self.stitch_disabled = self.account_private;
        let disabled = read(src, "CAST_SANDBOX_DISABLED").unwrap_or_default();
        for part in disabled.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "comment" => self.comment_disabled = true,
                "duet" => self.duet_disabled = true,
                "stitch" => self.stitch_disabled = true,
                other => {
                    return Err(ConfigError::new(
                        "CAST_SANDBOX_DISABLED",
                        format!("'{other}' is not one of comment, duet, stitch"),
                        "duet,stitch",
                    ));
                }
            }
        }
        Ok(())
    }
}

fn parse_flag(src: &dyn Source, name: &'static str) -> Result<bool, ConfigError> {
    super::parse_switch(src, name)
}

fn parse_privacy(value: &str) -> Result<Vec<&'static str>, ConfigError> {
    const NAME: &str = "CAST_SANDBOX_PRIVACY_OPTIONS";
    let mut out = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let level = PRIVACY_LEVELS
            .into_iter()
            .find(|l| *l == part)
            .ok_or_else(|| {
                ConfigError::new(
                    NAME,
                    format!("'{part}' is not a TikTok privacy level"),
                    "FOLLOWER_OF_CREATOR,MUTUAL_FOLLOW_FRIENDS,SELF_ONLY",
                )
            })?;
        if !out.contains(&level) {
            out.push(level);
        }
    }
    if out.is_empty() {
        return Err(ConfigError::new(
            NAME,
            "lists no privacy level",
            "PUBLIC_TO_EVERYONE,SELF_ONLY",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<TikTokSandboxSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TikTokSandboxSettings::from_source(&map)
    }

    #[test]
    fn faults_parse_step_status_count_or_seconds() {
        let s = settings(&[(
            "CAST_SANDBOX_FAULTS",
            "init:429:2, chunk:500:1, video_list:503:60s, chunk:stall:1",
        )])
        .expect("valid");
        assert_eq!(
            s.faults,
            vec![
                Fault {
                    step: FaultStep::Init,
                    action: FaultAction::Status(429),
                    span: FaultSpan::Calls(2)
                },
                Fault {
                    step: FaultStep::Chunk,
                    action: FaultAction::Status(500),
                    span: FaultSpan::Calls(1)
                },
                Fault {
                    step: FaultStep::VideoList,
                    action: FaultAction::Status(503),
                    span: FaultSpan::Millis(60_000)
                },
                Fault {
                    step: FaultStep::Chunk,
                    action: FaultAction::Stall,
                    span: FaultSpan::Calls(1)
                }
            ]
        );
    }

    #[test]
    fn each_malformed_knob_is_refused_by_name() {
        for (name, value) in [
            ("CAST_SANDBOX_FAULTS", "init:429"),
            ("CAST_SANDBOX_FAULTS", "upload:500:1"),
            ("CAST_SANDBOX_FAULTS", "init:200:1"),
            ("CAST_SANDBOX_FAULTS", "status:stall:1"),
            ("CAST_SANDBOX_FAULTS", "init:lost:1"),
            ("CAST_SANDBOX_FAULTS", "init:500:soon"),
            ("CAST_SANDBOX_TOKEN_TTL", "-1"),
            ("CAST_SANDBOX_REFRESH_TTL", "0"),
            ("CAST_SANDBOX_PKCE", "off"),
            ("CAST_SANDBOX_OAUTH_ERROR_STATUS", "400"),
            ("CAST_SANDBOX_TOKEN_TYPE", "maybe"),
            ("CAST_SANDBOX_PROCESSING_MS", "soon"),
            ("CAST_SANDBOX_UPLOAD_URL_TTL", "0"),
            ("CAST_SANDBOX_CHUNK_REPLY", "201"),
            ("CAST_SANDBOX_REFUSE_MULTI_CHUNK", "yes"),
            ("CAST_SANDBOX_POST_ID_FORM", "float"),
            ("CAST_SANDBOX_POST_ID_AFTER_MS", "later"),
            ("CAST_SANDBOX_MAX_DURATION_SEC", "601"),
            ("CAST_SANDBOX_ACCOUNT_PRIVATE", "private"),
            ("CAST_SANDBOX_PRIVACY_OPTIONS", "EVERYONE"),
            ("CAST_SANDBOX_DISABLED", "likes"),
            ("CAST_SANDBOX_UNAUDITED", "yes"),
            ("CAST_SANDBOX_INBOX_DOWNGRADE", "2"),
            ("CAST_SANDBOX_CANNOT_POST", "2"),
        ] {
            let e = settings(&[(name, value)]).expect_err(value);
            assert_eq!(e.name, name);
            let line = e.to_string();
            assert!(
                line.contains("for example") && !line.contains('\n'),
                "{line}"
            );
        }
    }

    #[test]
    fn defaults_take_the_stricter_reading_and_rotate_forms() {
        let s = settings(&[]).expect("defaults");
        assert_eq!(s.token_ttl, Duration::from_secs(86_400));
        assert_eq!(s.refresh_ttl, Duration::from_secs(31_536_000));
        assert!(!s.pkce_optional);
        assert_eq!(s.post_id_form, Forms::Rotate);
        assert_eq!(s.chunk_reply, Forms::Rotate);
        assert_eq!(s.oauth_error_status, Forms::Rotate);
        assert_eq!(s.token_type, Forms::Rotate);
        assert_eq!(s.post_id_after, Some(Duration::from_millis(5000)));
        let pinned = settings(&[
            ("CAST_SANDBOX_POST_ID_FORM", "string"),
            ("CAST_SANDBOX_POST_ID_AFTER_MS", "never"),
            ("CAST_SANDBOX_PKCE", "optional"),
        ])
        .expect("valid");
        assert_eq!(pinned.post_id_form, Forms::Pinned(PostIdForm::String));
        assert_eq!(pinned.post_id_after, None);
        assert!(pinned.pkce_optional);
    }

    #[test]
    fn a_private_account_offers_the_private_levels_without_duet_or_stitch() {
        let s = settings(&[("CAST_SANDBOX_ACCOUNT_PRIVATE", "1")]).expect("valid");
        assert_eq!(s.privacy_options, PRIVATE_ACCOUNT.to_vec());
        assert!(s.duet_disabled && s.stitch_disabled && !s.comment_disabled);
    }

    #[test]
    fn disabled_interactions_and_privacy_options() {
        let s = settings(&[
            ("CAST_SANDBOX_DISABLED", "duet,stitch"),
            (
                "CAST_SANDBOX_PRIVACY_OPTIONS",
                "FOLLOWER_OF_CREATOR,SELF_ONLY",
            ),
        ])
        .expect("valid");
        assert!(!s.comment_disabled && s.duet_disabled && s.stitch_disabled);
        assert_eq!(s.privacy_options, vec!["FOLLOWER_OF_CREATOR", "SELF_ONLY"]);
    }
}
