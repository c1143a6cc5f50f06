//! The answers TikTok was seen to give in several forms, and the knobs that pin one.

use crate::config::{ConfigError, Source, read};

/// Where TikTok was seen to answer in several forms, the sandbox gives each in turn (`Rotate`,
/// the default) unless a knob pins one (contract §12, "Several forms").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forms<T: Copy> {
    Rotate,
    Pinned(T),
}

/// The HTTP status of an OAuth error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorStatus {
    /// 400, 401 for `invalid_client`, 500/503 for `server_error`/`temporarily_unavailable`.
    Documented,
    /// 200, as seen in production.
    Ok,
}

/// Whether `token_type` is in a token answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    Present,
    Absent,
}

/// A stored chunk's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkReply {
    /// 206, then 201 for the last, with `Content-Range`.
    Documented,
    /// 200 for every chunk, with `Content-Range`.
    Ok,
    /// 206/201 without `Content-Range`.
    Bare,
}

/// The form of `publicaly_available_post_id` once the id is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostIdForm {
    /// A list of numbers, as documented.
    List,
    /// A bare string.
    String,
    /// A bare number.
    Number,
    /// No field at all.
    Absent,
}

/// One of `names` (the pinned forms), or `rotate`.
pub(super) fn forms<T: Copy>(
    src: &dyn Source,
    name: &'static str,
    names: &[(&str, T)],
    example: &'static str,
) -> Result<Forms<T>, ConfigError> {
    let Some(value) = read(src, name) else {
        return Ok(Forms::Rotate);
    };
    if value == "rotate" {
        return Ok(Forms::Rotate);
    }
    names
        .iter()
        .find(|(n, _)| *n == value)
        .map(|(_, v)| Forms::Pinned(*v))
        .ok_or_else(|| {
            let all: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
            ConfigError::new(
                name,
                format!("'{value}' is not one of {}, rotate", all.join(", ")),
                example,
            )
        })
}
