//! `CAST_SANDBOX_FAULTS`: which step fails, with which status, for how long.

use crate::config::ConfigError;

/// A TikTok API step that fault injection can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultStep {
    Token,
    UserInfo,
    CreatorInfo,
    Init,
    Chunk,
    Status,
    VideoList,
    /// The sandbox's own fetch of a photo post's image (it answers STATUS instead).
    PhotoPull,
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
            "video_list" => Self::VideoList,
            "photo_pull" => Self::PhotoPull,
            _ => return None,
        })
    }
}

/// How long a fault lasts: a number of calls, or (the sandbox's addition) a span of the
/// sandbox clock from its start, so "a minute of TikTok trouble" can be had whatever the client's
/// schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultSpan {
    Calls(u32),
    Millis(i64),
}

/// What a faulted call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer this HTTP status, in TikTok's shape for the step.
    Status(u16),
    /// `chunk:stall:N` / `init:stall:N`: read the whole request (an init is carried out), then
    /// never answer: the client must time out.
    Stall,
    /// `chunk:lost:N`: store the chunk, then close the connection before answering.
    Lost,
}

/// "The first `count` calls of `step` answer `status`" (or every call within the span).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub step: FaultStep,
    pub action: FaultAction,
    pub span: FaultSpan,
}

pub(super) fn parse_faults(value: &str) -> Result<Vec<Fault>, ConfigError> {
    const NAME: &str = "CAST_SANDBOX_FAULTS";
    const EXAMPLE: &str = "init:429:2,chunk:500:1,status:503:60s";
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
                        "'{step}' is not one of token, userinfo, creator_info, init, chunk, status, video_list, photo_pull"
                    ),
                    EXAMPLE,
                )
            })?;
            let action = match *status {
                "stall" if matches!(step, FaultStep::Chunk | FaultStep::Init) => FaultAction::Stall,
                "lost" if step == FaultStep::Chunk => FaultAction::Lost,
                _ => FaultAction::Status(
                    status
                        .parse()
                        .ok()
                        .filter(|s| (400..=599).contains(s))
                        .ok_or_else(|| {
                            ConfigError::new(
                                NAME,
                                format!(
                                    "'{status}' in '{part}' is not an HTTP error status (400-599), stall (chunk, init) or lost (chunk)"
                                ),
                                EXAMPLE,
                            )
                        })?,
                ),
            };
            let span = match count.strip_suffix('s') {
                Some(secs) => secs.parse::<u32>().ok().map(|s| FaultSpan::Millis(i64::from(s) * 1000)),
                None => count.parse::<u32>().ok().map(FaultSpan::Calls),
            }
            .ok_or_else(|| {
                ConfigError::new(
                    NAME,
                    format!(
                        "'{count}' in '{part}' is not a number of calls (3) or of seconds (60s)"
                    ),
                    EXAMPLE,
                )
            })?;
            Ok(Fault { step, action, span })
        })
        .collect()
}
