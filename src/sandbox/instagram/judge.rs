//! Whether "Instagram" takes the fetched video (contract sections 7 and 14), judged with Cast's
//! own probe and the strictest reading: a multi-entry edit list, `moov` after `mdat`, over
//! 300,000,000 bytes, over 25 Mbps and the rest each fail the container with 352/2207026 and a
//! sandbox `error_user_msg` naming the rule.

use std::path::Path;

use crate::media::details::{MediaDetails, details};
use crate::media::{VideoCodec, probe::ProbeError};

/// Why a container failed: Meta's code and subcode, and the words for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: i64,
    pub subcode: i64,
    pub user_msg: String,
}

impl Refusal {
    pub fn new(code: i64, subcode: i64, user_msg: impl Into<String>) -> Self {
        Self {
            code,
            subcode,
            user_msg: user_msg.into(),
        }
    }

    fn format(rule: impl Into<String>) -> Self {
        Self::new(
            352,
            2207026,
            format!(
                "The video file you selected is in a format that we don't support (Cast sandbox: {}).",
                rule.into()
            ),
        )
    }
}

/// The video's duration in milliseconds when it is acceptable. Blocking: run it off the
/// async threads.
pub fn video(path: &Path, thumb_offset_ms: Option<i64>) -> Result<i64, Refusal> {
    let d = details(path).map_err(|e| match e {
        ProbeError::Io(e) => Refusal::new(
            -1,
            2207053,
            format!("There was an unknown error reading the media ({e})."),
        ),
        other => Refusal::format(format!(
            "it is not a video Instagram can read: {}",
            other.code()
        )),
    })?;
    let v = &d.info;
    let rule = broken_rule(&d);
    if let Some(rule) = rule {
        return Err(Refusal::format(rule));
    }
    let duration = i64::try_from(v.duration_ms).unwrap_or(i64::MAX);
    if thumb_offset_ms.is_some_and(|t| t >= duration) {
        return Err(Refusal::new(
            1,
            2207057,
            format!(
                "The thumbnail offset you entered is outside the video's duration ({duration} ms)."
            ),
        ));
    }
    Ok(duration)
}

/// The first of Instagram's Reel rules (section 7) the file breaks, in words.
fn broken_rule(d: &MediaDetails) -> Option<String> {
    let v = &d.info;
    if !d.moov_first {
        Some(
            "the index ('moov') comes after the media data; Reels need it at the front".to_string(),
        )
    } else if d.edit_list_entries > 1 {
        Some(format!(
            "an edit list of {} entries; Reels take none",
            d.edit_list_entries
        ))
    } else if !matches!(v.codec, VideoCodec::H264 | VideoCodec::H265) {
        Some(format!(
            "the video codec is {}, not H.264 or HEVC",
            v.codec.name()
        ))
    } else if let Some(a) = d.audio.as_ref().filter(|a| a.codec != "mp4a") {
        Some(format!("the audio codec is '{}', not AAC", a.codec))
    } else if let Some(a) = d.audio.as_ref().filter(|a| a.sample_rate > 48_000) {
        Some(format!(
            "the audio is sampled at {} Hz, over 48 kHz",
            a.sample_rate
        ))
    } else if let Some(a) = d.audio.as_ref().filter(|a| a.channels > 2) {
        Some(format!("the audio has {} channels, over 2", a.channels))
    } else if !(23.0..=60.0).contains(&((v.fps * 100.0).round() / 100.0)) {
        Some(format!("{:.2} frames per second, outside 23 to 60", v.fps))
    } else if v.width > 1920 {
        Some(format!("{} pixels wide, over 1920", v.width))
    } else if v.height == 0 || !(0.01..=10.0).contains(&(f64::from(v.width) / f64::from(v.height)))
    {
        Some(format!(
            "a {}x{} picture, outside the 0.01:1 to 10:1 aspect ratios",
            v.width, v.height
        ))
    } else if v.duration_ms < 3_000 {
        Some(format!("{} ms long, under 3 seconds", v.duration_ms))
    } else if v.duration_ms > 15 * 60 * 1000 {
        Some(format!("{} s long, over 15 minutes", v.duration_ms / 1000))
    } else if v.size > 300_000_000 {
        Some(format!("{} bytes, over 300,000,000", v.size))
    } else if d.bitrate_bps() > 25_000_000 {
        Some(format!(
            "{} bits per second on average, over 25 Mbps",
            d.bitrate_bps()
        ))
    } else {
        None
    }
}

/// A cover fetched from `cover_url`: a JPEG of at most 8 MiB.
pub fn cover(bytes_head: &[u8], size: u64) -> Result<(), Refusal> {
    if size > 8 * 1024 * 1024 {
        return Err(Refusal::new(
            36000,
            2207004,
            format!("The cover image is {size} bytes; the maximum is 8 MiB."),
        ));
    }
    if !bytes_head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(Refusal::new(
            36001,
            2207005,
            "The cover image is not a JPEG.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    #[test]
    fn moov_at_the_end_and_short_videos_are_refused_by_rule() {
        let e = video(&fixture("ok.mp4"), None).expect_err("moov at end");
        assert_eq!((e.code, e.subcode), (352, 2207026));
        assert!(e.user_msg.contains("'moov'"), "{}", e.user_msg);
        let e = video(&fixture("ok_faststart.mp4"), None).expect_err("2 s");
        assert!(e.user_msg.contains("under 3 seconds"), "{}", e.user_msg);
        let e = video(&fixture("not_a_video.mp4"), None).expect_err("text");
        assert!(e.user_msg.contains("not_a_video"), "{}", e.user_msg);
    }

    #[test]
    fn covers_must_be_small_jpegs() {
        assert!(cover(&[0xFF, 0xD8, 0xFF, 0xE0], 1000).is_ok());
        assert_eq!(cover(b"<html>", 10).expect_err("html").subcode, 2207005);
        assert_eq!(
            cover(&[0xFF, 0xD8, 0xFF], 9 * 1024 * 1024)
                .expect_err("big")
                .subcode,
            2207004
        );
    }
}
