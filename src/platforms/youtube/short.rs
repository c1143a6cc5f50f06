//! Whether YouTube will make a video a Short (contract section 4.3): there is no flag, YouTube
//! classifies square or vertical videos of up to three minutes. The exact boundary is Unsure, so
//! Cast says "Short" only when the duration is at most 180 s and the height at least the width.

use serde::Serialize;

use super::rules::Problem;
use crate::media::VideoInfo;

pub const MAX_SHORT_MS: u64 = 180_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotShort {
    TooLong { duration_ms: u64 },
    Landscape { width: u32, height: u32 },
}

impl NotShort {
    pub fn message(&self) -> String {
        match self {
            Self::TooLong { duration_ms } => format!(
                "it is {} long, and a Short is at most 3:00",
                clock_time(*duration_ms)
            ),
            Self::Landscape { width, height } => {
                format!("it is landscape ({width}×{height}), and a Short is vertical or square")
            }
        }
    }
}

/// `m:ss`, rounded up so 3:00.4 does not read as 3:00.
fn clock_time(ms: u64) -> String {
    let secs = ms.div_ceil(1000);
    format!("{}:{:02}", secs / 60, secs % 60)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShortVerdict {
    pub reasons: Vec<NotShort>,
}

impl ShortVerdict {
    pub fn is_short(&self) -> bool {
        self.reasons.is_empty()
    }

    /// Advice that does not block sending (issue 12's `warnings[]`): `not_a_short`.
    pub fn warning(&self) -> Option<Problem> {
        (!self.is_short()).then(|| Problem::new("not_a_short", "video", self.explanation()))
    }

    /// The sentence for the posting screen.
    pub fn explanation(&self) -> String {
        if self.is_short() {
            return "YouTube will publish this as a Short.".to_string();
        }
        let why: Vec<String> = self.reasons.iter().map(NotShort::message).collect();
        format!(
            "YouTube will publish this as a regular video, not a Short: {}.",
            why.join(", and ")
        )
    }
}

/// Judges a probed file. `VideoInfo` carries the displayed size (rotation applied).
pub fn verdict(info: &VideoInfo) -> ShortVerdict {
    let mut reasons = Vec::new();
    if info.duration_ms > MAX_SHORT_MS {
        reasons.push(NotShort::TooLong {
            duration_ms: info.duration_ms,
        });
    }
    if info.height < info.width {
        reasons.push(NotShort::Landscape {
            width: info.width,
            height: info.height,
        });
    }
    ShortVerdict { reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{Container, VideoCodec};

    fn info(width: u32, height: u32, duration_ms: u64) -> VideoInfo {
        VideoInfo {
            container: Container::Mp4,
            codec: VideoCodec::H264,
            width,
            height,
            duration_ms,
            fps: 30.0,
            size: 1000,
            moov_first: true,
        }
    }

    #[test]
    fn vertical_and_square_videos_up_to_three_minutes_are_shorts() {
        assert!(verdict(&info(1080, 1920, 180_000)).is_short());
        assert!(verdict(&info(1080, 1080, 10_000)).is_short());
    }

    #[test]
    fn one_millisecond_past_three_minutes_is_not_a_short() {
        let v = verdict(&info(1080, 1920, 180_001));
        assert_eq!(
            v.reasons,
            [NotShort::TooLong {
                duration_ms: 180_001
            }]
        );
        assert!(v.explanation().contains("3:01 long"), "{}", v.explanation());
    }

    #[test]
    fn landscape_is_not_a_short_and_both_reasons_are_given() {
        let v = verdict(&info(1920, 1080, 200_000));
        assert_eq!(v.reasons.len(), 2);
        assert_eq!(v.warning().map(|w| w.code), Some("not_a_short"));
        assert!(verdict(&info(1080, 1920, 1000)).warning().is_none());
        assert_eq!(
            v.explanation(),
            "YouTube will publish this as a regular video, not a Short: it is 3:20 long, and a Short is at most 3:00, and it is landscape (1920×1080), and a Short is vertical or square."
        );
    }

    #[test]
    fn a_vertical_phone_video_is_a_short_and_a_rotated_one_is_not() {
        let fixture = |name: &str| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name);
            crate::media::probe::probe(&path).expect("probes")
        };
        assert!(verdict(&fixture("ok.mp4")).is_short());
        assert_eq!(
            verdict(&fixture("rotated.mp4")).reasons,
            [NotShort::Landscape {
                width: 960,
                height: 540
            }]
        );
    }
}
