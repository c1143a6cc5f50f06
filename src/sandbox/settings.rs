//! The sandbox's knobs (contract section 12), read with the rest of the settings.

use std::time::Duration;

use crate::config::{ConfigError, Source, parse_number, read};
use crate::tiktok::privacy::PrivacyLevel;

/// A TikTok API step that fault injection can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultStep {
    Token,
    UserInfo,
    CreatorInfo,
    Init,
    Chunk,
    Status,
}

impl FaultStep {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "token" => Self::Token,
            "userinfo" => Self::UserInfo,
            "creator_info" => Self::CreatorInfo,
            "init" => Self::Init,
            "chunk" => Self::Chunk,
            "status" => Self::Status,
            _ => return None,
        })
    }
}

/// "The first `count` calls of `step` answer `status`."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub step: FaultStep,
    pub status: u16,
    pub count: u32,
}

#[derive(Debug, Clone)]
pub struct SandboxSettings {
    pub token_ttl: Duration,
    pub processing: Duration,
    pub upload_url_ttl: Duration,
    pub faults: Vec<Fault>,
    pub max_duration_sec: u32,
    pub privacy_options: Vec<PrivacyLevel>,
    pub comment_disabled: bool,
    pub duet_disabled: bool,
    pub stitch_disabled: bool,
    pub unaudited: bool,
    pub cannot_post: bool,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(7200),
            processing: Duration::from_millis(3000),
            upload_url_ttl: Duration::from_secs(3600),
            faults: Vec::new(),
            max_duration_sec: 600,
            privacy_options: vec![
                PrivacyLevel::PublicToEveryone,
                PrivacyLevel::MutualFollowFriends,
                PrivacyLevel::SelfOnly,
            ],
            comment_disabled: false,
            duet_disabled: false,
            stitch_disabled: false,
            unaudited: false,
            cannot_post: false,
        }
    }
}

impl SandboxSettings {
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let d = Self::default();
        let token_ttl: u64 = parse_number(src, "CAST_SANDBOX_TOKEN_TTL", 7200, "7200")?;
        if token_ttl == 0 {
            return Err(ConfigError::new(
                "CAST_SANDBOX_TOKEN_TTL",
                "must be at least 1 second",
                "7200",
            ));
        }
        let processing: u64 = parse_number(src, "CAST_SANDBOX_PROCESSING_MS", 3000, "3000")?;
        let url_ttl: u64 = parse_number(src, "CAST_SANDBOX_UPLOAD_URL_TTL", 3600, "3600")?;
        if url_ttl == 0 {
            return Err(ConfigError::new(
                "CAST_SANDBOX_UPLOAD_URL_TTL",
                "must be at least 1 second",
                "3600",
            ));
        }
        let max_duration_sec: u32 = parse_number(src, "CAST_SANDBOX_MAX_DURATION_SEC", 600, "600")?;
        if max_duration_sec == 0 || max_duration_sec > 600 {
            return Err(ConfigError::new(
                "CAST_SANDBOX_MAX_DURATION_SEC",
                format!("'{max_duration_sec}' is out of range: TikTok allows 1 to 600 seconds"),
                "180",
            ));
        }
        let faults = match read(src, "CAST_SANDBOX_FAULTS") {
            None => Vec::new(),
            Some(v) => parse_faults(&v)?,
        };
        let privacy_options = match read(src, "CAST_SANDBOX_PRIVACY_OPTIONS") {
            None => d.privacy_options,
            Some(v) => parse_privacy(&v)?,
        };
        let disabled = read(src, "CAST_SANDBOX_DISABLED").unwrap_or_default();
        let mut comment_disabled = false;
        let mut duet_disabled = false;
        let mut stitch_disabled = false;
        for part in disabled.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "comment" => comment_disabled = true,
                "duet" => duet_disabled = true,
                "stitch" => stitch_disabled = true,
                other => {
                    return Err(ConfigError::new(
                        "CAST_SANDBOX_DISABLED",
                        format!("'{other}' is not one of comment, duet, stitch"),
                        "duet,stitch",
                    ));
                }
            }
        }
        Ok(Self {
            token_ttl: Duration::from_secs(token_ttl),
            processing: Duration::from_millis(processing),
            upload_url_ttl: Duration::from_secs(url_ttl),
            faults,
            max_duration_sec,
            privacy_options,
            comment_disabled,
            duet_disabled,
            stitch_disabled,
            unaudited: parse_flag(src, "CAST_SANDBOX_UNAUDITED")?,
            cannot_post: parse_flag(src, "CAST_SANDBOX_CANNOT_POST")?,
        })
    }
}

fn parse_flag(src: &dyn Source, name: &'static str) -> Result<bool, ConfigError> {
    match read(src, name).as_deref() {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(ConfigError::new(
            name,
            format!("'{other}' is not 1 or 0"),
            "1",
        )),
    }
}

fn parse_faults(value: &str) -> Result<Vec<Fault>, ConfigError> {
    const NAME: &str = "CAST_SANDBOX_FAULTS";
    const EXAMPLE: &str = "init:429:2,chunk:500:1";
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let bits: Vec<&str> = part.split(':').collect();
            let [step, status, count] = bits.as_slice() else {
                return Err(ConfigError::new(
                    NAME,
                    format!("'{part}' is not STEP:STATUS:COUNT"),
                    EXAMPLE,
                ));
            };
            let step = FaultStep::parse(step).ok_or_else(|| {
                ConfigError::new(
                    NAME,
                    format!(
                        "'{step}' is not one of token, userinfo, creator_info, init, chunk, status"
                    ),
                    EXAMPLE,
                )
            })?;
            let status: u16 = status
                .parse()
                .ok()
                .filter(|s| (400..=599).contains(s))
                .ok_or_else(|| {
                    ConfigError::new(
                        NAME,
                        format!("'{status}' in '{part}' is not an HTTP error status (400-599)"),
                        EXAMPLE,
                    )
                })?;
            let count: u32 = count.parse().map_err(|_| {
                ConfigError::new(
                    NAME,
                    format!("'{count}' in '{part}' is not a whole number"),
                    EXAMPLE,
                )
            })?;
            Ok(Fault {
                step,
                status,
                count,
            })
        })
        .collect()
}

fn parse_privacy(value: &str) -> Result<Vec<PrivacyLevel>, ConfigError> {
    const NAME: &str = "CAST_SANDBOX_PRIVACY_OPTIONS";
    let mut out = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let level = PrivacyLevel::parse(part).ok_or_else(|| {
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

    fn settings(pairs: &[(&str, &str)]) -> Result<SandboxSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SandboxSettings::from_source(&map)
    }

    #[test]
    fn faults_parse_step_status_count() {
        let s = settings(&[("CAST_SANDBOX_FAULTS", "init:429:2, chunk:500:1")]).expect("valid");
        assert_eq!(
            s.faults,
            vec![
                Fault {
                    step: FaultStep::Init,
                    status: 429,
                    count: 2
                },
                Fault {
                    step: FaultStep::Chunk,
                    status: 500,
                    count: 1
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
            ("CAST_SANDBOX_TOKEN_TTL", "-1"),
            ("CAST_SANDBOX_PROCESSING_MS", "soon"),
            ("CAST_SANDBOX_UPLOAD_URL_TTL", "0"),
            ("CAST_SANDBOX_MAX_DURATION_SEC", "601"),
            ("CAST_SANDBOX_PRIVACY_OPTIONS", "EVERYONE"),
            ("CAST_SANDBOX_DISABLED", "likes"),
            ("CAST_SANDBOX_UNAUDITED", "yes"),
            ("CAST_SANDBOX_CANNOT_POST", "2"),
        ] {
            let e = settings(&[(name, value)]).expect_err(value);
            assert_eq!(e.name, name);
        }
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
        assert_eq!(
            s.privacy_options,
            vec![PrivacyLevel::FollowerOfCreator, PrivacyLevel::SelfOnly]
        );
    }
}
