//! What Instagram accepts for a Reel (contract sections 4 and 7), checked before anything
//! leaves the machine. Every problem at once, each with a stable code and a sentence that says
//! the value, the limit and what to do. The tolerant reading throughout: where Instagram is
//! unsure (a one-entry edit list, Unsure 11), Cast warns instead of refusing.

use serde::Serialize;

use super::options::InstagramOptions;
use crate::media::details::MediaDetails;
use crate::media::{Container, VideoCodec};

pub const MAX_CAPTION_UTF16: usize = 2200;
pub const MAX_HASHTAGS: usize = 30;
pub const MAX_MENTIONS: usize = 20;
pub const MAX_COLLABORATORS: usize = 3;
/// "300 MB", read as decimal megabytes (Unsure 10): the stricter figure.
pub const MAX_SIZE: u64 = 300_000_000;
pub const MAX_BITRATE_BPS: u64 = 25_000_000;
pub const MAX_WIDTH: u32 = 1920;
pub const MIN_DURATION_MS: u64 = 3_000;
pub const MAX_DURATION_MS: u64 = 15 * 60 * 1000;
pub const MIN_FPS: f64 = 23.0;
pub const MAX_FPS: f64 = 60.0;
pub const MAX_AUDIO_RATE: u32 = 48_000;
pub const MAX_AUDIO_BITRATE: u32 = 128_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

impl Problem {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// What a check found: problems refuse the target, warnings only advise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Every rule of section 7 against the video, and of section 4 against the options.
pub fn check(video: &MediaDetails, options: &InstagramOptions) -> Report {
    let mut report = check_video(video);
    report
        .problems
        .extend(check_options(options, Some(video.info.duration_ms)));
    report
}

/// The caption's and collaborators' rules, and the cover frame against the duration (if known).
pub fn check_options(options: &InstagramOptions, duration_ms: Option<u64>) -> Vec<Problem> {
    let mut out = check_caption(&options.caption);
    if let (Some(thumb), Some(duration)) = (options.thumb_offset_ms, duration_ms)
        && thumb >= duration
    {
        out.push(Problem::new(
            "thumb_offset",
            format!(
                "The cover frame is at {}, but the video is {} long. Pick a cover time within the video.",
                seconds(thumb),
                seconds(duration)
            ),
        ));
    }
    if options.collaborators.len() > MAX_COLLABORATORS {
        out.push(Problem::new(
            "too_many_collaborators",
            format!(
                "{} collaborators are named; Instagram takes at most 3. Remove some.",
                options.collaborators.len()
            ),
        ));
    }
    if let Some(bad) = options
        .collaborators
        .iter()
        .find(|c| c.trim().starts_with('@'))
    {
        out.push(Problem::new(
            "collaborator_at",
            format!("Write the collaborator '{}' without the @.", bad.trim()),
        ));
    }
    out
}

pub fn check_caption(caption: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    // Instagram counts "characters"; UTF-16 units are never fewer than code points, so
    // counting them is the stricter reading (an emoji counts 2).
    let units = caption.encode_utf16().count();
    if units > MAX_CAPTION_UTF16 {
        out.push(Problem::new(
            "caption_too_long",
            format!(
                "The caption is {units} characters long (emoji count as 2); Instagram takes at most {MAX_CAPTION_UTF16}. Shorten it by {}.",
                units - MAX_CAPTION_UTF16
            ),
        ));
    }
    let hashtags = tags(caption, '#');
    if hashtags > MAX_HASHTAGS {
        out.push(Problem::new(
            "too_many_hashtags",
            format!("The caption has {hashtags} hashtags; Instagram takes at most {MAX_HASHTAGS}. Remove {}.", hashtags - MAX_HASHTAGS),
        ));
    }
    let mentions = tags(caption, '@');
    if mentions > MAX_MENTIONS {
        out.push(Problem::new(
            "too_many_mentions",
            format!("The caption tags {mentions} accounts with @; Instagram takes at most {MAX_MENTIONS}. Remove {}.", mentions - MAX_MENTIONS),
        ));
    }
    out
}

/// `#tag` or `@name` at the start or after a character that is not part of a word (so an
/// e-mail address is not a mention).
fn tags(text: &str, sigil: char) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    chars
        .iter()
        .enumerate()
        .filter(|&(i, &c)| {
            c == sigil
                && (i == 0 || !word(chars[i - 1]))
                && chars
                    .get(i + 1)
                    .is_some_and(|n| n.is_alphanumeric() || *n == '_')
        })
        .count()
}

pub fn check_video(v: &MediaDetails) -> Report {
    let mut r = Report::default();
    check_layout(v, &mut r);
    check_codecs(v, &mut r);
    check_picture(v, &mut r);
    check_length(v, &mut r);
    r
}

/// The container: MP4 or MOV, index in front, no edit lists (one tolerated, Unsure 11).
fn check_layout(v: &MediaDetails, r: &mut Report) {
    match v.info.container {
        Container::Mp4 | Container::QuickTime => {}
    }
    if !v.moov_first {
        r.problems.push(Problem::new(
            "index_at_end",
            "The video's index (the 'moov' atom) is at the end of the file; Instagram needs it at the front. Export again with \"Optimize for web\" / \"fast start\" ticked (ffmpeg: -movflags +faststart).",
        ));
    }
    match v.edit_list_entries {
        0 => {}
        1 => r.warnings.push(Problem::new(
            "edit_list",
            "The video has an edit list, which Instagram's rules forbid; most encoders write one like it and such files publish in practice.",
        )),
        n => r.problems.push(Problem::new(
            "edit_list",
            format!("The video has an edit list of {n} entries (from trimming in an editor without re-encoding); Instagram takes none. Export the video again."),
        )),
    }
}

/// H.264 or HEVC; AAC sound at most 48 kHz, mono or stereo (128 kbps advised).
fn check_codecs(v: &MediaDetails, r: &mut Report) {
    if !matches!(v.info.codec, VideoCodec::H264 | VideoCodec::H265) {
        r.problems.push(Problem::new(
            "video_codec",
            format!("The video is encoded as {}; Instagram takes H.264 or HEVC. Export it as MP4 (H.264).", v.info.codec.name()),
        ));
    }
    let Some(audio) = &v.audio else { return };
    if audio.codec != "mp4a" {
        r.problems.push(Problem::new(
            "audio_codec",
            format!(
                "The sound is encoded as '{}'; Instagram takes AAC. Export it with AAC audio.",
                audio.codec
            ),
        ));
        return;
    }
    if audio.sample_rate > MAX_AUDIO_RATE {
        r.problems.push(Problem::new(
            "audio_sample_rate",
            format!("The sound is sampled at {} Hz; Instagram takes at most 48,000 Hz. Export it at 48 kHz or 44.1 kHz.", audio.sample_rate),
        ));
    }
    if audio.channels > 2 {
        r.problems.push(Problem::new(
            "audio_channels",
            format!(
                "The sound has {} channels; Instagram takes mono or stereo. Export it as stereo.",
                audio.channels
            ),
        ));
    }
    if audio.bitrate_bps.is_some_and(|b| b > MAX_AUDIO_BITRATE) {
        r.warnings.push(Problem::new(
            "audio_bitrate",
            "The sound's bitrate is above 128 kbps, which Instagram's rules name; Instagram may re-encode it.",
        ));
    }
}

/// 23 to 60 fps, at most 1920 pixels wide, an aspect ratio from 0.01:1 to 10:1.
fn check_picture(v: &MediaDetails, r: &mut Report) {
    let info = &v.info;
    let fps = (info.fps * 100.0).round() / 100.0;
    if !(MIN_FPS..=MAX_FPS).contains(&fps) {
        r.problems.push(Problem::new(
            "frame_rate",
            format!("The video runs at {} frames per second; Instagram takes 23 to 60. Export it at 30 fps.", trim_decimal(info.fps)),
        ));
    }
    if info.width > MAX_WIDTH {
        r.problems.push(Problem::new(
            "too_wide",
            format!("The picture is {} pixels wide; Instagram takes at most 1920. Export it at 1080×1920.", info.width),
        ));
    }
    let ratio = f64::from(info.width) / f64::from(info.height.max(1));
    if info.width == 0 || info.height == 0 || !(0.01..=10.0).contains(&ratio) {
        r.problems.push(Problem::new(
            "aspect_ratio",
            format!("The picture is {}×{} pixels, a shape Instagram does not take (0.01:1 to 10:1; 9:16 is best).", info.width, info.height),
        ));
    }
}

/// 3 seconds to 15 minutes, at most 300,000,000 bytes and 25 Mbps.
fn check_length(v: &MediaDetails, r: &mut Report) {
    let info = &v.info;
    if info.duration_ms < MIN_DURATION_MS {
        r.problems.push(Problem::new(
            "too_short",
            format!(
                "The video is {} long; a Reel must last at least 3 seconds.",
                seconds(info.duration_ms)
            ),
        ));
    }
    if info.duration_ms > MAX_DURATION_MS {
        r.problems.push(Problem::new(
            "too_long",
            format!(
                "The video is {} long; a Reel lasts at most 15 minutes. Trim it.",
                seconds(info.duration_ms)
            ),
        ));
    }
    if info.size > MAX_SIZE {
        r.problems.push(Problem::new(
            "too_large",
            format!("The file is {} MB; Instagram takes at most 300 MB. Export it at a lower bitrate or trim it.", info.size.div_ceil(1_000_000)),
        ));
    }
    if v.bitrate_bps() > MAX_BITRATE_BPS {
        r.problems.push(Problem::new(
            "bitrate",
            format!("The video's bitrate is {} Mbps; Instagram takes at most 25. Export it at a lower bitrate.", trim_decimal(v.bitrate_bps() as f64 / 1e6)),
        ));
    }
}

fn trim_decimal(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// "2.5 s", "12 min 3 s".
fn seconds(ms: u64) -> String {
    let (m, s) = (ms / 60_000, (ms % 60_000) as f64 / 1000.0);
    match m {
        0 => format!("{} s", trim_decimal(s)),
        m if s == 0.0 => format!("{m} min"),
        m => format!("{m} min {} s", trim_decimal(s.floor())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::VideoInfo;
    use crate::media::details::AudioInfo;

    fn ok() -> MediaDetails {
        MediaDetails {
            info: VideoInfo {
                container: Container::Mp4,
                codec: VideoCodec::H264,
                width: 1080,
                height: 1920,
                duration_ms: 30_000,
                fps: 30.0,
                size: 20_000_000,
                moov_first: true,
            },
            moov_first: true,
            edit_list_entries: 1,
            audio: Some(AudioInfo {
                codec: "mp4a".into(),
                sample_rate: 44_100,
                channels: 2,
                bitrate_bps: Some(128_000),
            }),
        }
    }

    fn codes(r: &[Problem]) -> Vec<&'static str> {
        r.iter().map(|p| p.code).collect()
    }

    #[test]
    fn a_phone_video_passes_with_a_note_about_its_edit_list() {
        let r = check(&ok(), &InstagramOptions::default());
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(codes(&r.warnings), ["edit_list"]);
    }

    #[test]
    fn every_video_problem_at_once_in_a_fixed_order() {
        let mut v = ok();
        v.moov_first = false;
        v.edit_list_entries = 3;
        v.info.codec = VideoCodec::Vp9;
        v.audio = Some(AudioInfo {
            codec: "Opus".into(),
            sample_rate: 48_000,
            channels: 2,
            bitrate_bps: None,
        });
        v.info.fps = 15.0;
        v.info.width = 3840;
        v.info.height = 2;
        v.info.duration_ms = 2_000;
        v.info.size = 300_000_001;
        assert_eq!(
            codes(&check_video(&v).problems),
            [
                "index_at_end",
                "edit_list",
                "video_codec",
                "audio_codec",
                "frame_rate",
                "too_wide",
                "aspect_ratio",
                "too_short",
                "too_large",
                "bitrate"
            ]
        );
    }

    #[test]
    fn limits_are_inclusive() {
        let mut v = ok();
        v.info.duration_ms = 3_000;
        v.info.size = 3_000_000;
        v.info.width = 1920;
        v.info.height = 1920;
        v.info.fps = 60.0;
        assert!(check_video(&v).is_ok(), "{:?}", check_video(&v));
        let mut big = ok();
        big.info.duration_ms = 120_000;
        big.info.size = MAX_SIZE;
        assert!(check_video(&big).is_ok(), "300,000,000 bytes at 20 Mbps");
        big.info.duration_ms = MAX_DURATION_MS + 1;
        assert_eq!(codes(&check_video(&big).problems), ["too_long"]);
        // 25 Mbps exactly passes, a byte more per second does not.
        let mut fast = ok();
        fast.info.duration_ms = 8_000;
        fast.info.size = 25_000_000;
        assert!(check_video(&fast).is_ok());
        fast.info.size = 25_000_001;
        assert_eq!(codes(&check_video(&fast).problems), ["bitrate"]);
    }

    #[test]
    fn audio_rules() {
        let mut v = ok();
        v.audio = Some(AudioInfo {
            codec: "mp4a".into(),
            sample_rate: 96_000,
            channels: 6,
            bitrate_bps: Some(320_000),
        });
        let r = check_video(&v);
        assert_eq!(codes(&r.problems), ["audio_sample_rate", "audio_channels"]);
        assert!(codes(&r.warnings).contains(&"audio_bitrate"));
        v.audio = None;
        assert!(check_video(&v).is_ok(), "a silent video is fine");
    }

    #[test]
    fn captions_count_utf16_units_hashtags_and_mentions() {
        assert!(check_caption(&"a".repeat(2200)).is_empty());
        assert_eq!(
            codes(&check_caption(&"a".repeat(2201))),
            ["caption_too_long"]
        );
        // 1100 emoji are 2200 UTF-16 units: at the limit; one more letter is over.
        assert!(check_caption(&"😀".repeat(1100)).is_empty());
        assert_eq!(
            codes(&check_caption(&format!("{}a", "😀".repeat(1100)))),
            ["caption_too_long"]
        );
        let thirty: String = (0..30).map(|i| format!("#t{i} ")).collect();
        assert!(check_caption(&thirty).is_empty());
        assert_eq!(
            codes(&check_caption(&format!("{thirty} #one_more"))),
            ["too_many_hashtags"]
        );
        let mentions: String = (0..21).map(|i| format!("@user{i} ")).collect();
        assert_eq!(codes(&check_caption(&mentions)), ["too_many_mentions"]);
        assert!(check_caption("mail me at me@example.com, #1 fan, # alone, C# code").is_empty());
        assert_eq!(tags("me@example.com @real", '@'), 1);
        assert_eq!(tags("#a#b #c", '#'), 2);
    }

    #[test]
    fn options_against_the_video() {
        let opts = InstagramOptions {
            thumb_offset_ms: Some(30_000),
            collaborators: vec!["@a".into(), "b".into(), "c".into(), "d".into()],
            ..InstagramOptions::default()
        };
        let r = check(&ok(), &opts);
        assert_eq!(
            codes(&r.problems),
            ["thumb_offset", "too_many_collaborators", "collaborator_at"]
        );
        assert!(
            r.problems[0].message.contains("30 s"),
            "{}",
            r.problems[0].message
        );
        let fine = InstagramOptions {
            thumb_offset_ms: Some(29_999),
            ..InstagramOptions::default()
        };
        assert!(check(&ok(), &fine).is_ok());
    }
}
