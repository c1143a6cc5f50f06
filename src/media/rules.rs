//! What TikTok accepts (contract §8), as problems a person can act on. Cast refuses videos up
//! front with `check`, and the sandbox fails uploads with the same `check`, so the two never
//! disagree about a video.

use std::fmt;

use super::{Container, VideoCodec, VideoInfo};

pub const MIN_FPS: f64 = 23.0;
pub const MAX_FPS: f64 = 60.0;
pub const MIN_SIDE: u32 = 360;
pub const MAX_SIDE: u32 = 4096;
pub const MAX_SIZE: u64 = 4_000_000_000;

#[derive(Debug, Clone, PartialEq)]
pub enum MediaProblem {
    /// Not produced by `check` today: `probe` only returns containers TikTok takes, and refuses
    /// WebM itself. Kept so the code and message exist when `Container` grows.
    UnsupportedContainer {
        container: String,
    },
    UnsupportedCodec {
        codec: VideoCodec,
        container: Container,
    },
    TooLong {
        duration_ms: u64,
        max_sec: u32,
    },
    FrameRate {
        fps: f64,
    },
    Resolution {
        width: u32,
        height: u32,
    },
    TooLarge {
        size: u64,
    },
}

impl MediaProblem {
    /// Stable, for scripts and tests; shares its namespace with `ProbeError::code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedContainer { .. } => "unsupported_container",
            Self::UnsupportedCodec { .. } => "unsupported_codec",
            Self::TooLong { .. } => "too_long",
            Self::FrameRate { .. } => "frame_rate",
            Self::Resolution { .. } => "resolution",
            Self::TooLarge { .. } => "too_large",
        }
    }

    /// One sentence (or two) for a person: the video's value, TikTok's limit, what to do.
    pub fn message(&self) -> String {
        match self {
            Self::UnsupportedContainer { container } => format!(
                "The file is a {container} file; TikTok takes MP4, MOV and WebM. Export it as MP4 (H.264)."
            ),
            Self::UnsupportedCodec {
                codec: codec @ (VideoCodec::Vp8 | VideoCodec::Vp9),
                container,
            } => format!(
                "The video is encoded as {} inside {}; TikTok takes VP8 and VP9 only in WebM files, and H.264 or H.265 in MP4 and MOV. Export it as MP4 (H.264).",
                codec.name(),
                container.name()
            ),
            Self::UnsupportedCodec { codec, .. } => format!(
                "The video is encoded as {}; TikTok takes H.264 or H.265. Export it as MP4 (H.264).",
                codec.name()
            ),
            Self::TooLong {
                duration_ms,
                max_sec,
            } => format!(
                "The video is {} long; this account can post at most {}. Trim it and try again.",
                // Rounded up, so a video just over the limit never reads as exactly the limit.
                clock(duration_ms.div_ceil(1000)),
                clock(u64::from(*max_sec))
            ),
            Self::FrameRate { fps } => format!(
                "The video runs at {} frames per second; TikTok takes 23 to 60. Export it at 30 fps.",
                decimal(*fps)
            ),
            Self::Resolution { width, height } => format!(
                "The picture is {width}×{height} pixels; TikTok needs every side between 360 and 4096 pixels. Export it at 1080×1920 (or 1920×1080 for a landscape video)."
            ),
            Self::TooLarge { size } => format!(
                "The file is {} GB; TikTok takes at most 4 GB. Export it at a lower bitrate or trim it.",
                // Hundredths rounded up, so 4,000,000,001 bytes reads as 4.01 GB, not 4.00 GB.
                decimal(size.div_ceil(10_000_000) as f64 / 100.0)
            ),
        }
    }

    /// The `fail_reason` TikTok's status fetch gives a video with this problem (contract §7).
    pub fn tiktok_fail_reason(&self) -> &'static str {
        match self {
            Self::UnsupportedContainer { .. }
            | Self::UnsupportedCodec { .. }
            | Self::TooLarge { .. } => "file_format_check_failed",
            Self::TooLong { .. } => "duration_check_failed",
            Self::FrameRate { .. } => "frame_rate_check_failed",
            Self::Resolution { .. } => "picture_size_check_failed",
        }
    }
}

impl fmt::Display for MediaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// "3 min", "3 min 12 s", "45 s".
fn clock(secs: u64) -> String {
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// At most two decimals and no trailing zeros: "30", "22.9", "29.97".
fn decimal(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Every problem TikTok would have with this video, in a fixed order; empty when it would take it.
pub fn check(info: &VideoInfo, max_duration_sec: u32) -> Vec<MediaProblem> {
    let mut problems = Vec::new();
    // Exhaustive on purpose: a new container must be decided on here.
    match info.container {
        Container::Mp4 | Container::QuickTime => {}
    }
    // VP8/VP9 are TikTok codecs only inside WebM, and Cast sends MP4 and MOV.
    if !matches!(info.codec, VideoCodec::H264 | VideoCodec::H265) {
        problems.push(MediaProblem::UnsupportedCodec {
            codec: info.codec.clone(),
            container: info.container,
        });
    }
    if info.duration_ms > u64::from(max_duration_sec) * 1000 {
        problems.push(MediaProblem::TooLong {
            duration_ms: info.duration_ms,
            max_sec: max_duration_sec,
        });
    }
    if !(MIN_FPS..=MAX_FPS).contains(&round_fps(info.fps)) {
        problems.push(MediaProblem::FrameRate { fps: info.fps });
    }
    if [info.width, info.height]
        .iter()
        .any(|side| !(MIN_SIDE..=MAX_SIDE).contains(side))
    {
        problems.push(MediaProblem::Resolution {
            width: info.width,
            height: info.height,
        });
    }
    if info.size > MAX_SIZE {
        problems.push(MediaProblem::TooLarge { size: info.size });
    }
    problems
}

/// A measured average wobbles in the last digits (60 fps can read 60.0004); judging to 0.01 fps
/// keeps such a video in, while 22.9 and 60.1 stay out.
fn round_fps(fps: f64) -> f64 {
    (fps * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> VideoInfo {
        VideoInfo {
            container: Container::Mp4,
            codec: VideoCodec::H264,
            width: 1080,
            height: 1920,
            duration_ms: 30_000,
            fps: 30.0,
            size: 10_000_000,
            moov_first: true,
        }
    }

    fn codes(v: &VideoInfo, max_sec: u32) -> Vec<&'static str> {
        check(v, max_sec).iter().map(MediaProblem::code).collect()
    }

    #[test]
    fn a_normal_phone_video_passes_in_mp4_and_mov() {
        assert!(check(&ok(), 180).is_empty());
        let mov = VideoInfo {
            container: Container::QuickTime,
            ..ok()
        };
        assert!(check(&mov, 180).is_empty());
    }

    #[test]
    fn frame_rate_bounds_are_inclusive() {
        for (fps, fine) in [
            (0.0, false),
            (15.0, false),
            (22.9, false),
            (22.99, false),
            (22.9999, true),
            (23.0, true),
            (23.976, true),
            (29.97, true),
            (60.0, true),
            (60.0004, true),
            (60.01, false),
            (60.1, false),
            (120.0, false),
            (f64::NAN, false),
        ] {
            let v = VideoInfo { fps, ..ok() };
            let want: &[&str] = if fine { &[] } else { &["frame_rate"] };
            assert_eq!(codes(&v, 180), want, "{fps}");
        }
    }

    #[test]
    fn every_side_must_be_360_to_4096() {
        for (w, h, fine) in [
            (359, 640, false),
            (360, 640, true),
            (640, 359, false),
            (640, 360, true),
            (360, 360, true),
            (4096, 4096, true),
            (1080, 4096, true),
            (1080, 4097, false),
            (4097, 1080, false),
            (0, 0, false),
        ] {
            let v = VideoInfo {
                width: w,
                height: h,
                ..ok()
            };
            let want: &[&str] = if fine { &[] } else { &["resolution"] };
            assert_eq!(codes(&v, 180), want, "{w}x{h}");
        }
    }

    #[test]
    fn duration_up_to_exactly_the_creators_maximum() {
        for (max, ms, fine) in [
            (180, 180_000, true),
            (180, 180_001, false),
            (10, 10_000, true),
            (10, 10_001, false),
            (600, 600_000, true),
            (600, 600_001, false),
            (0, 0, true),
            (0, 1, false),
        ] {
            let v = VideoInfo {
                duration_ms: ms,
                ..ok()
            };
            let want: &[&str] = if fine { &[] } else { &["too_long"] };
            assert_eq!(codes(&v, max), want, "{ms} ms against {max} s");
        }
    }

    #[test]
    fn codecs_other_than_h264_and_h265_are_refused() {
        for (codec, fine) in [
            (VideoCodec::H264, true),
            (VideoCodec::H265, true),
            (VideoCodec::Vp8, false),
            (VideoCodec::Vp9, false),
            (VideoCodec::Av1, false),
            (VideoCodec::Other("mp4v".into()), false),
            (VideoCodec::Other("apcn".into()), false),
        ] {
            let v = VideoInfo {
                codec: codec.clone(),
                ..ok()
            };
            let want: &[&str] = if fine { &[] } else { &["unsupported_codec"] };
            assert_eq!(codes(&v, 180), want, "{codec:?}");
        }
    }

    #[test]
    fn size_limit_is_four_billion_bytes() {
        let at = VideoInfo {
            size: MAX_SIZE,
            ..ok()
        };
        assert!(check(&at, 180).is_empty());
        let over = VideoInfo {
            size: MAX_SIZE + 1,
            ..ok()
        };
        assert_eq!(codes(&over, 180), ["too_large"]);
        assert!(
            check(&over, 180)[0].message().contains("4.01 GB"),
            "{}",
            check(&over, 180)[0].message()
        );
    }

    #[test]
    fn every_problem_is_reported_at_once_in_a_fixed_order() {
        let bad = VideoInfo {
            container: Container::Mp4,
            codec: VideoCodec::Vp9,
            width: 160,
            height: 120,
            duration_ms: 700_000,
            fps: 15.0,
            size: MAX_SIZE + 1,
            moov_first: true,
        };
        assert_eq!(
            codes(&bad, 600),
            [
                "unsupported_codec",
                "too_long",
                "frame_rate",
                "resolution",
                "too_large"
            ]
        );
    }

    #[test]
    fn each_problem_maps_to_tiktoks_fail_reason() {
        let cases = [
            (
                MediaProblem::UnsupportedContainer {
                    container: "AVI".into(),
                },
                "file_format_check_failed",
            ),
            (
                MediaProblem::UnsupportedCodec {
                    codec: VideoCodec::Av1,
                    container: Container::Mp4,
                },
                "file_format_check_failed",
            ),
            (
                MediaProblem::TooLarge { size: MAX_SIZE + 1 },
                "file_format_check_failed",
            ),
            (
                MediaProblem::TooLong {
                    duration_ms: 1,
                    max_sec: 0,
                },
                "duration_check_failed",
            ),
            (
                MediaProblem::FrameRate { fps: 15.0 },
                "frame_rate_check_failed",
            ),
            (
                MediaProblem::Resolution {
                    width: 1,
                    height: 1,
                },
                "picture_size_check_failed",
            ),
        ];
        for (problem, reason) in cases {
            assert_eq!(problem.tiktok_fail_reason(), reason, "{problem:?}");
            let m = problem.message();
            assert!(m.ends_with('.') && m == problem.to_string(), "{m}");
        }
    }

    #[test]
    fn messages_give_the_videos_value_and_the_limit() {
        let long = MediaProblem::TooLong {
            duration_ms: 192_000,
            max_sec: 180,
        };
        assert!(
            long.message()
                .starts_with("The video is 3 min 12 s long; this account can post at most 3 min."),
            "{}",
            long.message()
        );
        let just_over = MediaProblem::TooLong {
            duration_ms: 10_001,
            max_sec: 10,
        };
        assert!(
            just_over
                .message()
                .starts_with("The video is 11 s long; this account can post at most 10 s.")
        );
        let fps = MediaProblem::FrameRate { fps: 22.9 };
        assert!(
            fps.message()
                .contains("22.9 frames per second; TikTok takes 23 to 60")
        );
        let size = MediaProblem::Resolution {
            width: 160,
            height: 120,
        };
        assert!(size.message().contains("160×120 pixels"));
        let vp9 = MediaProblem::UnsupportedCodec {
            codec: VideoCodec::Vp9,
            container: Container::Mp4,
        };
        assert!(
            vp9.message().contains("VP9 inside MP4"),
            "{}",
            vp9.message()
        );
        let mp4v = MediaProblem::UnsupportedCodec {
            codec: VideoCodec::Other("mp4v".into()),
            container: Container::Mp4,
        };
        assert!(
            mp4v.message().contains("MPEG-4 Part 2"),
            "{}",
            mp4v.message()
        );
    }

    #[test]
    fn clock_and_decimal_read_naturally() {
        assert_eq!(clock(45), "45 s");
        assert_eq!(clock(180), "3 min");
        assert_eq!(clock(185), "3 min 5 s");
        assert_eq!(decimal(30.0), "30");
        assert_eq!(decimal(29.97), "29.97");
        assert_eq!(decimal(22.9), "22.9");
    }
}
