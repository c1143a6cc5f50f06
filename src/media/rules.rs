//! What TikTok accepts (contract §8), as problems a person can act on.

use super::{Container, VideoCodec, VideoInfo};

pub const MIN_FPS: f64 = 23.0;
pub const MAX_FPS: f64 = 60.0;
pub const MIN_SIDE: u32 = 360;
pub const MAX_SIDE: u32 = 4096;
pub const MAX_SIZE: u64 = 4_000_000_000;

#[derive(Debug, Clone, PartialEq)]
pub enum MediaProblem {
    UnsupportedContainer,
    UnsupportedCodec(VideoCodec),
    TooLong { duration_ms: u64, max_sec: u32 },
    FrameRate(f64),
    Resolution { width: u32, height: u32 },
    TooLarge(u64),
}

impl MediaProblem {
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedContainer => "unsupported_container",
            Self::UnsupportedCodec(_) => "unsupported_codec",
            Self::TooLong { .. } => "too_long",
            Self::FrameRate(_) => "frame_rate",
            Self::Resolution { .. } => "resolution",
            Self::TooLarge(_) => "too_large",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::UnsupportedContainer => {
                "TikTok takes MP4, MOV and WebM files. Export the video as MP4.".into()
            }
            Self::UnsupportedCodec(c) => format!(
                "The video is encoded as {}; TikTok takes H.264 or H.265. Export it as MP4 (H.264).",
                c.name()
            ),
            Self::TooLong {
                duration_ms,
                max_sec,
            } => format!(
                "The video is {} long; this account can post at most {}. Trim it and try again.",
                clock(duration_ms.div_ceil(1000)),
                clock(u64::from(*max_sec))
            ),
            Self::FrameRate(fps) => format!(
                "The video runs at {fps:.1} frames per second; TikTok takes 23 to 60. Export it at 30 fps."
            ),
            Self::Resolution { width, height } => format!(
                "The picture is {width}×{height} pixels; TikTok needs every side between 360 and 4096. Export it at 1080×1920."
            ),
            Self::TooLarge(size) => format!(
                "The file is {:.2} GB; TikTok takes at most 4 GB. Export it at a lower bitrate.",
                *size as f64 / 1e9
            ),
        }
    }

    /// The `fail_reason` TikTok's status gives a video with this problem (contract §7).
    pub fn tiktok_fail_reason(&self) -> &'static str {
        match self {
            Self::UnsupportedContainer | Self::UnsupportedCodec(_) | Self::TooLarge(_) => {
                "file_format_check_failed"
            }
            Self::TooLong { .. } => "duration_check_failed",
            Self::FrameRate(_) => "frame_rate_check_failed",
            Self::Resolution { .. } => "picture_size_check_failed",
        }
    }
}

/// "3 min", "1 min 05 s", "45 s".
fn clock(secs: u64) -> String {
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s:02} s"),
    }
}

/// Every problem TikTok would have with this video; empty when it would take it.
pub fn check(info: &VideoInfo, max_duration_sec: u32) -> Vec<MediaProblem> {
    let mut problems = Vec::new();
    // VP8/VP9 only come in WebM, which Cast does not send; in MP4/MOV TikTok wants H.264/H.265.
    if !matches!(info.container, Container::Mp4 | Container::QuickTime) {
        problems.push(MediaProblem::UnsupportedContainer);
    }
    if !matches!(info.codec, VideoCodec::H264 | VideoCodec::H265) {
        problems.push(MediaProblem::UnsupportedCodec(info.codec.clone()));
    }
    if info.duration_ms > u64::from(max_duration_sec) * 1000 {
        problems.push(MediaProblem::TooLong {
            duration_ms: info.duration_ms,
            max_sec: max_duration_sec,
        });
    }
    if !(MIN_FPS..=MAX_FPS).contains(&round_fps(info.fps)) {
        problems.push(MediaProblem::FrameRate(info.fps));
    }
    let sides = [info.width, info.height];
    if sides.iter().any(|s| !(MIN_SIDE..=MAX_SIDE).contains(s)) {
        problems.push(MediaProblem::Resolution {
            width: info.width,
            height: info.height,
        });
    }
    if info.size > MAX_SIZE {
        problems.push(MediaProblem::TooLarge(info.size));
    }
    problems
}

/// Average frame rates from sample counts wobble (23.976 reads as 23.97…); judge to 0.01 fps.
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
        }
    }

    #[test]
    fn a_normal_phone_video_passes() {
        assert!(check(&ok(), 180).is_empty());
    }

    #[test]
    fn frame_rate_bounds_are_inclusive() {
        for (fps, fine) in [
            (22.9, false),
            (23.0, true),
            (23.976, true),
            (60.0, true),
            (60.1, false),
        ] {
            let v = VideoInfo { fps, ..ok() };
            assert_eq!(check(&v, 180).is_empty(), fine, "{fps}");
        }
    }

    #[test]
    fn every_side_must_be_360_to_4096() {
        for (w, h, fine) in [
            (359, 640, false),
            (360, 640, true),
            (1080, 4096, true),
            (1080, 4097, false),
        ] {
            let v = VideoInfo {
                width: w,
                height: h,
                ..ok()
            };
            assert_eq!(check(&v, 180).is_empty(), fine, "{w}x{h}");
        }
    }

    #[test]
    fn duration_up_to_the_creators_maximum() {
        let at = VideoInfo {
            duration_ms: 180_000,
            ..ok()
        };
        assert!(check(&at, 180).is_empty());
        let over = VideoInfo {
            duration_ms: 180_001,
            ..ok()
        };
        let problems = check(&over, 180);
        assert_eq!(problems[0].code(), "too_long");
        assert_eq!(problems[0].tiktok_fail_reason(), "duration_check_failed");
        assert!(
            problems[0].message().contains("at most 3 min"),
            "{}",
            problems[0].message()
        );
    }

    #[test]
    fn codecs_other_than_h264_and_h265_are_refused() {
        let hevc = VideoInfo {
            codec: VideoCodec::H265,
            ..ok()
        };
        assert!(check(&hevc, 180).is_empty());
        let mpeg4 = VideoInfo {
            codec: VideoCodec::Other("mp4v".into()),
            ..ok()
        };
        assert_eq!(check(&mpeg4, 180)[0].code(), "unsupported_codec");
        assert_eq!(
            check(&mpeg4, 180)[0].tiktok_fail_reason(),
            "file_format_check_failed"
        );
    }

    #[test]
    fn size_limit_is_four_gigabytes() {
        assert!(
            check(
                &VideoInfo {
                    size: MAX_SIZE,
                    ..ok()
                },
                180
            )
            .is_empty()
        );
        assert_eq!(
            check(
                &VideoInfo {
                    size: MAX_SIZE + 1,
                    ..ok()
                },
                180
            )[0]
            .code(),
            "too_large"
        );
    }
}
