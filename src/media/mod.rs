//! Videos as TikTok judges them: what a file is (`probe`, reading only its index) and whether
//! TikTok would take it (`rules`). Cast checks uploads with these before sending anything, and the
//! sandbox judges received files with the same code, so both always agree.

pub mod cover;
pub mod details;
pub mod image;
pub mod probe;
pub mod rules;

use serde::Serialize;

/// WebM is not a variant: `probe` refuses it (`ProbeError::WebmUnsupported`) because Cast's
/// parser reads ISO-BMFF only, so every `VideoInfo` is an MP4 or a MOV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Container {
    Mp4,
    QuickTime,
}

impl Container {
    /// The `Content-Type` TikTok expects on the upload's PUTs.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Mp4 => "video/mp4",
            Self::QuickTime => "video/quicktime",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Mp4 => "MP4",
            Self::QuickTime => "MOV",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum VideoCodec {
    H264,
    H265,
    Vp8,
    Vp9,
    Av1,
    /// Any other sample entry, by its fourcc (e.g. `mp4v`, `apcn`).
    Other(String),
}

impl VideoCodec {
    /// The name a person knows the codec by, as export dialogs spell it.
    pub fn name(&self) -> String {
        match self {
            Self::H264 => "H.264".into(),
            Self::H265 => "H.265".into(),
            Self::Vp8 => "VP8".into(),
            Self::Vp9 => "VP9".into(),
            Self::Av1 => "AV1".into(),
            Self::Other(fourcc) => match fourcc.as_str() {
                "mp4v" => "MPEG-4 Part 2 ('mp4v')".into(),
                "jpeg" | "mjpa" | "mjpb" | "mjpg" => format!("Motion JPEG ('{fourcc}')"),
                "apch" | "apcn" | "apcs" | "apco" | "ap4h" | "ap4x" => {
                    format!("ProRes ('{fourcc}')")
                }
                "" => "an unknown codec".into(),
                _ => format!("'{fourcc}'"),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoInfo {
    pub container: Container,
    pub codec: VideoCodec,
    /// As displayed: a rotation of 90° or 270° swaps the stored width and height.
    pub width: u32,
    pub height: u32,
    pub duration_ms: u64,
    /// Average frames per second over the whole track.
    pub fps: f64,
    pub size: u64,
    /// The index (`moov`) comes before the media data ("fast start"), as Instagram needs.
    pub moov_first: bool,
}
