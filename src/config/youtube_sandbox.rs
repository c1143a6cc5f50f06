//! The YouTube sandbox's knobs (contract section 12), read with the rest of the settings. A
//! malformed one stops start-up with one line naming it.

use std::time::Duration;

use crate::config::{ConfigError, Source, parse_number, read};

/// A step that `CAST_SANDBOX_YOUTUBE_FAULTS` can make fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultStep {
    /// The code exchange.
    Token,
    Refresh,
    Channels,
    /// The upload initiation.
    Init,
    /// A chunk `PUT` with bytes.
    Chunk,
    /// A status probe (`bytes */SIZE`).
    Probe,
    /// `videos.list`.
    Status,
    Thumbnail,
}

impl FaultStep {
    const NAMES: &'static str = "token, refresh, channels, init, chunk, probe, status, thumbnail";

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "token" => Self::Token,
            "refresh" => Self::Refresh,
            "channels" => Self::Channels,
            "init" => Self::Init,
            "chunk" => Self::Chunk,
            "probe" => Self::Probe,
            "status" => Self::Status,
            "thumbnail" => Self::Thumbnail,
            _ => return None,
        })
    }
}

/// What a faulted call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer this status with Google's matching body.
    Status(u16),
    /// `chunk:drop`: keep a 256 KiB-aligned part of the chunk, then close the connection.
    Drop,
    /// `chunk:lost`: keep the whole final chunk, then close the connection before answering.
    Lost,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub step: FaultStep,
    pub action: FaultAction,
    pub count: u32,
}

#[derive(Debug, Clone)]
pub struct YouTubeSandboxSettings {
    pub token_ttl: Duration,
    /// The consent screen in Testing: refresh tokens die 7 days after consent.
    pub testing: bool,
    pub rotate_refresh: bool,
    pub session_ttl: Duration,
    pub processing: Duration,
    pub inserts_per_day: u32,
    pub insert_units: u32,
    pub units_per_day: u32,
    /// 0: no channel cap.
    pub channel_uploads_per_day: u32,
    pub lock_private: bool,
    pub unverified_channel: bool,
    pub faults: Vec<Fault>,
}

impl Default for YouTubeSandboxSettings {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(3599),
            testing: false,
            rotate_refresh: false,
            session_ttl: Duration::from_secs(86_400),
            processing: Duration::from_millis(3000),
            inserts_per_day: 100,
            insert_units: 1600,
            units_per_day: 10_000,
            channel_uploads_per_day: 0,
            lock_private: false,
            unverified_channel: false,
            faults: Vec::new(),
        }
    }
}

const PREFIX: &str = "CAST_SANDBOX_YOUTUBE_";

impl YouTubeSandboxSettings {
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let token_ttl = positive(src, "CAST_SANDBOX_YOUTUBE_TOKEN_TTL", 3599, "3599")?;
        let session_ttl = positive(src, "CAST_SANDBOX_YOUTUBE_SESSION_TTL", 86_400, "86400")?;
        let processing: u64 =
            parse_number(src, "CAST_SANDBOX_YOUTUBE_PROCESSING_MS", 3000, "3000")?;
        let faults = match read(src, "CAST_SANDBOX_YOUTUBE_FAULTS") {
            None => Vec::new(),
            Some(v) => parse_faults(&v)?,
        };
        Ok(Self {
            token_ttl: Duration::from_secs(token_ttl),
            testing: flag(src, "CAST_SANDBOX_YOUTUBE_TESTING")?,
            rotate_refresh: flag(src, "CAST_SANDBOX_YOUTUBE_ROTATE_REFRESH")?,
            session_ttl: Duration::from_secs(session_ttl),
            processing: Duration::from_millis(processing),
            inserts_per_day: parse_number(src, "CAST_SANDBOX_YOUTUBE_INSERTS_PER_DAY", 100, "100")?,
            insert_units: parse_number(src, "CAST_SANDBOX_YOUTUBE_INSERT_UNITS", 1600, "1600")?,
            units_per_day: parse_number(
                src,
                "CAST_SANDBOX_YOUTUBE_UNITS_PER_DAY",
                10_000,
                "10000",
            )?,
            channel_uploads_per_day: parse_number(
                src,
                "CAST_SANDBOX_YOUTUBE_CHANNEL_UPLOADS_PER_DAY",
                0,
                "4",
            )?,
            lock_private: flag(src, "CAST_SANDBOX_YOUTUBE_LOCK_PRIVATE")?,
            unverified_channel: flag(src, "CAST_SANDBOX_YOUTUBE_UNVERIFIED_CHANNEL")?,
            faults,
        })
    }

    /// The knobs set in `src` that this sandbox does not know: a typo would otherwise be ignored.
    pub fn unknown_knobs(names: impl IntoIterator<Item = String>) -> Vec<String> {
        const KNOWN: [&str; 12] = [
            "TOKEN_TTL",
            "TESTING",
            "ROTATE_REFRESH",
            "SESSION_TTL",
            "PROCESSING_MS",
            "INSERTS_PER_DAY",
            "INSERT_UNITS",
            "UNITS_PER_DAY",
            "CHANNEL_UPLOADS_PER_DAY",
            "LOCK_PRIVATE",
            "UNVERIFIED_CHANNEL",
            "FAULTS",
        ];
        names
            .into_iter()
            .filter(|n| {
                n.strip_prefix(PREFIX)
                    .is_some_and(|rest| !KNOWN.contains(&rest))
            })
            .collect()
    }
}

fn positive(
    src: &dyn Source,
    name: &'static str,
    default: u64,
    example: &'static str,
) -> Result<u64, ConfigError> {
    let v: u64 = parse_number(src, name, default, example)?;
    if v == 0 {
        return Err(ConfigError::new(name, "must be at least 1 second", example));
    }
    Ok(v)
}

fn flag(src: &dyn Source, name: &'static str) -> Result<bool, ConfigError> {
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
    const NAME: &str = "CAST_SANDBOX_YOUTUBE_FAULTS";
    const EXAMPLE: &str = "init:503:1,chunk:drop:1,chunk:lost:1";
    let err = |problem: String| ConfigError::new(NAME, problem, EXAMPLE);
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let bits: Vec<&str> = part.split(':').collect();
            let [step, action, count] = bits.as_slice() else {
                return Err(err(format!("'{part}' is not STEP:STATUS:COUNT")));
            };
            let step = FaultStep::parse(step).ok_or_else(|| {
                err(format!("'{step}' is not one of {}", FaultStep::NAMES))
            })?;
            let action = match *action {
                "drop" | "lost" if step != FaultStep::Chunk => {
                    return Err(err(format!(
                        "'{action}' in '{part}' applies to the chunk step only"
                    )));
                }
                "drop" => FaultAction::Drop,
                "lost" => FaultAction::Lost,
                status => FaultAction::Status(
                    status
                        .parse()
                        .ok()
                        .filter(|s| (400..=599).contains(s))
                        .ok_or_else(|| {
                            err(format!(
                                "'{status}' in '{part}' is not an HTTP error status (400-599), drop or lost"
                            ))
                        })?,
                ),
            };
            let count: u32 = count
                .parse()
                .map_err(|_| err(format!("'{count}' in '{part}' is not a whole number")))?;
            Ok(Fault {
                step,
                action,
                count,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<YouTubeSandboxSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        YouTubeSandboxSettings::from_source(&map)
    }

    #[test]
    fn defaults_follow_the_contract() {
        let s = settings(&[]).expect("valid");
        assert_eq!(s.token_ttl, Duration::from_secs(3599));
        assert_eq!(s.session_ttl, Duration::from_secs(86_400));
        assert_eq!(
            (s.inserts_per_day, s.insert_units, s.units_per_day),
            (100, 1600, 10_000)
        );
        assert!(!s.testing && !s.rotate_refresh && !s.lock_private);
    }

    #[test]
    fn faults_parse_statuses_drops_and_lost_answers() {
        let s = settings(&[(
            "CAST_SANDBOX_YOUTUBE_FAULTS",
            "token:500:1, chunk:drop:1,chunk:lost:2,status:503:3",
        )])
        .expect("valid");
        assert_eq!(
            s.faults,
            vec![
                Fault {
                    step: FaultStep::Token,
                    action: FaultAction::Status(500),
                    count: 1
                },
                Fault {
                    step: FaultStep::Chunk,
                    action: FaultAction::Drop,
                    count: 1
                },
                Fault {
                    step: FaultStep::Chunk,
                    action: FaultAction::Lost,
                    count: 2
                },
                Fault {
                    step: FaultStep::Status,
                    action: FaultAction::Status(503),
                    count: 3
                },
            ]
        );
    }

    #[test]
    fn each_malformed_knob_is_refused_by_name() {
        for (name, value) in [
            ("CAST_SANDBOX_YOUTUBE_FAULTS", "init:503"),
            ("CAST_SANDBOX_YOUTUBE_FAULTS", "upload:503:1"),
            ("CAST_SANDBOX_YOUTUBE_FAULTS", "init:drop:1"),
            ("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:200:1"),
            ("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:503:many"),
            ("CAST_SANDBOX_YOUTUBE_TOKEN_TTL", "0"),
            ("CAST_SANDBOX_YOUTUBE_SESSION_TTL", "a day"),
            ("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "-1"),
            ("CAST_SANDBOX_YOUTUBE_INSERTS_PER_DAY", "lots"),
            ("CAST_SANDBOX_YOUTUBE_INSERT_UNITS", "1.5"),
            ("CAST_SANDBOX_YOUTUBE_UNITS_PER_DAY", "x"),
            ("CAST_SANDBOX_YOUTUBE_CHANNEL_UPLOADS_PER_DAY", "-4"),
            ("CAST_SANDBOX_YOUTUBE_TESTING", "yes"),
            ("CAST_SANDBOX_YOUTUBE_ROTATE_REFRESH", "2"),
            ("CAST_SANDBOX_YOUTUBE_LOCK_PRIVATE", "on"),
            ("CAST_SANDBOX_YOUTUBE_UNVERIFIED_CHANNEL", "y"),
        ] {
            let e = settings(&[(name, value)]).expect_err(value);
            assert_eq!(e.name, name);
            assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn unknown_knob_names_are_found() {
        let names = [
            "CAST_SANDBOX_YOUTUBE_FAULT".to_string(),
            "CAST_SANDBOX_YOUTUBE_FAULTS".to_string(),
            "CAST_SANDBOX_FAULTS".to_string(),
        ];
        assert_eq!(
            YouTubeSandboxSettings::unknown_knobs(names),
            ["CAST_SANDBOX_YOUTUBE_FAULT"]
        );
    }
}
