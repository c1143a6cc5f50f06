//! Reads what a video file is from its box headers and its index (`moov`) only, never its media
//! data, so checking a 4 GB file costs about what a 4 MB one does.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use re_mp4::{Mp4, StsdBoxContent, TrackKind};

use super::{Container, VideoCodec, VideoInfo};

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The reason is a phrase completing "This file is not a video Cast can read (MP4 or MOV): …".
    #[error(
        "This file is not a video Cast can read (MP4 or MOV): {0}. Export it as MP4 (H.264) and try again."
    )]
    NotAVideo(&'static str),
    #[error(
        "This is a WebM video, and Cast sends MP4 and MOV files only. Export it as MP4 (H.264) and try again."
    )]
    WebmUnsupported,
    #[error("This file has no video track (it may be audio only). Pick a video file.")]
    NoVideoTrack,
    #[error(
        "This video file is incomplete: it was cut short while being copied or uploaded. Upload the whole file again."
    )]
    Truncated,
    #[error(
        "Cast could not read the video file ({0}). Try again; if it keeps happening, check the server's disk."
    )]
    Io(#[from] std::io::Error),
}

impl ProbeError {
    /// A stable code for scripts, in the same namespace as `MediaProblem::code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAVideo(_) => "not_a_video",
            Self::WebmUnsupported => "unsupported_container",
            Self::NoVideoTrack => "no_video_track",
            Self::Truncated => "truncated",
            Self::Io(_) => "unreadable",
        }
    }

    /// TikTok's status `fail_reason` for a file that cannot be read as a video (contract §7).
    pub fn tiktok_fail_reason(&self) -> &'static str {
        "file_format_check_failed"
    }
}

const DAMAGED: &str = "its index is damaged";

/// Top-level box types an ISO-BMFF or QuickTime file may start with.
const FIRST_BOXES: [&[u8; 4]; 8] = [
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid",
];
const EBML_MAGIC: [u8; 4] = [0x1A, 0x45, 0xDF, 0xA3];

/// What `path` is, judged from its index. Blocking: call it from a blocking thread.
pub fn probe(path: &Path) -> Result<VideoInfo, ProbeError> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let Layout {
        boxes_end,
        moov_first,
    } = check_layout(&mut file, size)?;
    file.seek(SeekFrom::Start(0))?;
    let reader = BufReader::with_capacity(64 * 1024, file);
    // re_mp4 indexes its sample tables without bounds checks and panics on inconsistent ones
    // (found in damaged files); a bad upload must be a refusal, not a crashed worker thread.
    // Nothing from the closure is used after a panic, so unwind safety holds. It is given
    // `boxes_end` as the size because it cannot skip stray bytes after the last box.
    let parsed = catch_unwind(AssertUnwindSafe(move || Mp4::read(reader, boxes_end)));
    let mp4 = match parsed {
        Ok(Ok(mp4)) => mp4,
        Ok(Err(e)) => return Err(classify(e)),
        Err(_) => return Err(ProbeError::NotAVideo(DAMAGED)),
    };
    Ok(VideoInfo {
        moov_first,
        ..describe(&mp4, size)?
    })
}

/// What the top-level box headers say.
struct Layout {
    /// Where the last whole box ends.
    boxes_end: u64,
    /// The index comes before the first media data box.
    moov_first: bool,
}

/// Walks the top-level box headers (a few seeks) before the parser sees the file, because only
/// here can "cut short" be told apart from "not a video": the parser reports both as a box
/// larger than the file, or as a missing `moov`.
fn check_layout(file: &mut (impl Read + Seek), size: u64) -> Result<Layout, ProbeError> {
    let mut head = [0u8; 8];
    if size < 8 {
        return Err(ProbeError::NotAVideo("it is too short to be a video"));
    }
    file.read_exact(&mut head)?;
    if head[..4] == EBML_MAGIC {
        return Err(ProbeError::WebmUnsupported);
    }
    if !FIRST_BOXES.iter().any(|b| head[4..8] == b[..]) {
        return Err(ProbeError::NotAVideo(
            "it does not start like an MP4 or MOV file",
        ));
    }
    let mut pos = 0u64;
    let mut has_moov = false;
    let mut mdat_first = false;
    while pos < size {
        if size - pos < 8 {
            // A few stray bytes after a complete index are harmless; before one, they are
            // the start of the index, cut off.
            if has_moov {
                break;
            }
            return Err(ProbeError::Truncated);
        }
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(&mut head)?;
        let end = match u32::from_be_bytes([head[0], head[1], head[2], head[3]]) {
            // Size 0: the box runs to the end of the file.
            0 => size,
            // Size 1: a 64-bit size follows the type.
            1 => {
                if size - pos < 16 {
                    return Err(ProbeError::Truncated);
                }
                let mut large = [0u8; 8];
                file.read_exact(&mut large)?;
                let large = u64::from_be_bytes(large);
                if large < 16 {
                    return Err(ProbeError::NotAVideo(DAMAGED));
                }
                pos.saturating_add(large)
            }
            2..=7 => return Err(ProbeError::NotAVideo(DAMAGED)),
            n => pos + u64::from(n),
        };
        if end > size {
            return Err(ProbeError::Truncated);
        }
        mdat_first |= !has_moov && &head[4..8] == b"mdat";
        has_moov |= &head[4..8] == b"moov";
        pos = end;
    }
    if has_moov {
        Ok(Layout {
            boxes_end: pos.min(size),
            moov_first: !mdat_first,
        })
    } else {
        Err(ProbeError::NotAVideo(
            "it has no index (no 'moov' box), as when a recording was interrupted",
        ))
    }
}

fn classify(e: re_mp4::Error) -> ProbeError {
    use re_mp4::Error as E;
    match e {
        // The layout check saw every box end inside the file, so reading past its end means a
        // box inside the index claims more than its parent holds.
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ProbeError::NotAVideo(DAMAGED)
        }
        E::Io(io) => ProbeError::Io(io),
        E::BoxNotFound(re_mp4::BoxType::FtypBox) => {
            ProbeError::NotAVideo("it lacks the 'ftyp' header that MP4 and current MOV files have")
        }
        _ => ProbeError::NotAVideo(DAMAGED),
    }
}

fn describe(mp4: &Mp4, size: u64) -> Result<VideoInfo, ProbeError> {
    let container = if &mp4.ftyp.major_brand.value == b"qt  " {
        Container::QuickTime
    } else {
        Container::Mp4
    };
    let tracks = mp4.tracks();
    // An mdat of size 0 ("to the end of the file") looks whole however short the file gets;
    // only the sample table shows that the media data it points to is gone.
    let data_end = tracks
        .values()
        .flat_map(|t| t.samples.iter())
        .map(|s| s.offset.saturating_add(s.size))
        .max()
        .unwrap_or(0);
    if data_end > size {
        return Err(ProbeError::Truncated);
    }
    let video = tracks
        .values()
        .find(|t| t.kind == Some(TrackKind::Video))
        // re_mp4 leaves `kind` empty for sample entries it does not parse (mp4v, avc3, ProRes…);
        // the handler still says it is video.
        .or_else(|| {
            tracks
                .values()
                .find(|t| &t.trak(mp4).mdia.hdlr.handler_type.value == b"vide")
        })
        .ok_or(ProbeError::NoVideoTrack)?;
    let trak = video.trak(mp4);
    let entry = &trak.mdia.minf.stbl.stsd.contents;
    let (mut width, mut height) = (
        u32::from(trak.tkhd.width.value()),
        u32::from(trak.tkhd.height.value()),
    );
    if width == 0 || height == 0 {
        // Some muxers leave the track header's size at 0; the sample entry has the coded size.
        (width, height) = coded_size(entry).unwrap_or((width, height));
    }
    // The track header's size is before its matrix; a quarter turn shows it the other way up.
    let m = &trak.tkhd.matrix;
    if m.a == 0 && m.d == 0 && m.b != 0 && m.c != 0 {
        std::mem::swap(&mut width, &mut height);
    }
    let timescale = video.timescale.max(1);
    let duration_ms = u64::try_from(u128::from(video.duration) * 1000 / u128::from(timescale))
        .unwrap_or(u64::MAX);
    Ok(VideoInfo {
        container,
        codec: codec_of(entry),
        width,
        height,
        duration_ms,
        fps: average_fps(video),
        size,
        // Set by `probe` from the top-level layout, which the parsed index does not show.
        moov_first: true,
    })
}

/// Frames over the time between the first and the last frame's decode times, so a muxer's
/// guess at the last frame's duration (which the track duration includes) cannot push a
/// 60 fps video over 60. Falls back to the track duration for a single frame.
fn average_fps(track: &re_mp4::Track) -> f64 {
    let timescale = track.timescale.max(1) as f64;
    let n = track.samples.len();
    if let (Some(first), Some(last)) = (track.samples.first(), track.samples.last()) {
        let span = last.decode_timestamp.saturating_sub(first.decode_timestamp);
        if n >= 2 && span > 0 {
            return (n - 1) as f64 * timescale / span as f64;
        }
    }
    if track.duration > 0 {
        n as f64 * timescale / track.duration as f64
    } else {
        0.0
    }
}

fn coded_size(entry: &StsdBoxContent) -> Option<(u32, u32)> {
    let (w, h) = match entry {
        StsdBoxContent::Avc1(b) => (b.width, b.height),
        StsdBoxContent::Hvc1(b) | StsdBoxContent::Hev1(b) => (b.width, b.height),
        StsdBoxContent::Vp08(b) => (b.width, b.height),
        StsdBoxContent::Vp09(b) => (b.width, b.height),
        StsdBoxContent::Av01(b) => (b.width, b.height),
        StsdBoxContent::Mp4a(_) | StsdBoxContent::Tx3g(_) | StsdBoxContent::Unknown(_) => {
            return None;
        }
    };
    Some((u32::from(w), u32::from(h)))
}

fn codec_of(entry: &StsdBoxContent) -> VideoCodec {
    match entry {
        StsdBoxContent::Avc1(_) => VideoCodec::H264,
        StsdBoxContent::Hvc1(_) | StsdBoxContent::Hev1(_) => VideoCodec::H265,
        StsdBoxContent::Vp08(_) => VideoCodec::Vp8,
        StsdBoxContent::Vp09(_) => VideoCodec::Vp9,
        StsdBoxContent::Av01(_) => VideoCodec::Av1,
        StsdBoxContent::Mp4a(_) => VideoCodec::Other("mp4a".into()),
        StsdBoxContent::Tx3g(_) => VideoCodec::Other("tx3g".into()),
        StsdBoxContent::Unknown(fourcc) => {
            let fourcc = String::from_utf8_lossy(&fourcc.value).trim().to_string();
            // avc3 is H.264 with its parameter sets in the stream; re_mp4 only parses avc1.
            if fourcc == "avc3" {
                VideoCodec::H264
            } else {
                VideoCodec::Other(fourcc)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::rules::check;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    fn info(name: &str) -> VideoInfo {
        probe(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn codes(name: &str, max_sec: u32) -> Vec<&'static str> {
        check(&info(name), max_sec)
            .iter()
            .map(|p| p.code())
            .collect()
    }

    /// A copy of a fixture's bytes, changed by `edit`, in a temporary file.
    fn edited(
        name: &str,
        edit: impl FnOnce(&mut Vec<u8>),
    ) -> (tempfile::TempDir, std::path::PathBuf) {
        let mut bytes = std::fs::read(fixture(name)).expect("read fixture");
        edit(&mut bytes);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write");
        (dir, path)
    }

    #[test]
    fn the_probe_says_whether_the_index_comes_before_the_media() {
        assert!(info("ok_faststart.mp4").moov_first);
        assert!(
            !info("ok.mp4").moov_first,
            "ok.mp4 is ftyp, free, mdat, moov"
        );
    }

    #[test]
    fn good_videos_pass_wherever_their_index_is() {
        for name in ["ok.mp4", "ok_faststart.mp4", "ok.mov", "hevc.mp4"] {
            let v = info(name);
            assert_eq!((v.width, v.height), (540, 960), "{name}");
            assert!((v.fps - 30.0).abs() < 0.01, "{name}: {}", v.fps);
            assert_eq!(v.duration_ms, 2000, "{name}");
            assert_eq!(
                v.size,
                std::fs::metadata(fixture(name)).expect("stat").len()
            );
            assert!(check(&v, 600).is_empty(), "{name}: {:?}", check(&v, 600));
        }
    }

    #[test]
    fn container_and_codec_are_named() {
        let mp4 = info("ok.mp4");
        assert_eq!(
            (mp4.container, mp4.codec),
            (Container::Mp4, VideoCodec::H264)
        );
        let mov = info("ok.mov");
        assert_eq!(
            (mov.container, mov.codec),
            (Container::QuickTime, VideoCodec::H264)
        );
        assert_eq!(info("hevc.mp4").codec, VideoCodec::H265);
        assert_eq!(
            info("wrong_codec.mp4").codec,
            VideoCodec::Other("mp4v".into())
        );
    }

    #[test]
    fn a_quarter_turn_swaps_width_and_height() {
        let v = info("rotated.mp4");
        assert_eq!((v.width, v.height), (960, 540));
    }

    #[test]
    fn each_bad_fixture_has_exactly_its_problem() {
        assert_eq!(codes("too_long.mp4", 10), ["too_long"]);
        assert_eq!(codes("too_long.mp4", 12), Vec::<&str>::new());
        assert_eq!(codes("wrong_codec.mp4", 600), ["unsupported_codec"]);
        assert_eq!(codes("low_fps.mp4", 600), ["frame_rate"]);
        assert_eq!(codes("tiny.mp4", 600), ["resolution"]);
        let long = info("too_long.mp4");
        assert_eq!(
            (long.width, long.height, long.duration_ms),
            (360, 640, 12_000)
        );
        assert!((info("low_fps.mp4").fps - 15.0).abs() < 0.01);
        let tiny = info("tiny.mp4");
        assert_eq!((tiny.width, tiny.height), (160, 120));
    }

    #[test]
    fn text_and_webm_are_not_videos_cast_reads() {
        let err = probe(&fixture("not_a_video.mp4")).expect_err("text");
        assert!(matches!(err, ProbeError::NotAVideo(_)), "{err:?}");
        assert_eq!(err.code(), "not_a_video");
        assert!(
            err.to_string()
                .starts_with("This file is not a video Cast can read")
        );
        let (_dir, webm) = edited("ok.mp4", |b| b[..4].copy_from_slice(&EBML_MAGIC));
        assert!(matches!(probe(&webm), Err(ProbeError::WebmUnsupported)));
        let (_dir, short) = edited("ok.mp4", |b| b.truncate(5));
        assert!(matches!(probe(&short), Err(ProbeError::NotAVideo(_))));
        let (_dir, empty) = edited("ok.mp4", Vec::clear);
        assert!(matches!(probe(&empty), Err(ProbeError::NotAVideo(_))));
    }

    #[test]
    fn an_audio_only_file_has_no_video_track() {
        assert!(matches!(
            probe(&fixture("no_video.mp4")),
            Err(ProbeError::NoVideoTrack)
        ));
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        assert!(matches!(
            probe(&fixture("does_not_exist.mp4")),
            Err(ProbeError::Io(_))
        ));
    }

    #[test]
    fn a_faststart_file_cut_in_half_is_truncated() {
        let err = probe(&fixture("truncated.mp4")).expect_err("truncated");
        assert!(matches!(err, ProbeError::Truncated), "{err:?}");
        assert_eq!(err.tiktok_fail_reason(), "file_format_check_failed");
    }

    #[test]
    fn a_faststart_file_missing_its_last_bytes_is_truncated() {
        let (_dir, cut) = edited("ok_faststart.mp4", |b| b.truncate(b.len() - 100));
        assert!(matches!(probe(&cut), Err(ProbeError::Truncated)));
    }

    #[test]
    fn the_sample_table_catches_a_cut_the_box_headers_cannot_show() {
        // ok_faststart.mp4 is ftyp (32), moov (3548), free (8), mdat. Some writers give the
        // mdat size 0 ("to the end of the file"), which stays true however short the file gets.
        let mdat = 32 + 3548 + 8;
        let (_dir, cut) = edited("ok_faststart.mp4", |b| {
            assert_eq!(&b[mdat + 4..mdat + 8], b"mdat", "fixture layout changed");
            b[mdat..mdat + 4].copy_from_slice(&[0, 0, 0, 0]);
            b.truncate(b.len() - 100);
        });
        let size = std::fs::metadata(&cut).expect("stat").len();
        let mut f = File::open(&cut).expect("open");
        assert!(check_layout(&mut f, size).is_ok(), "every box fits");
        assert!(matches!(probe(&cut), Err(ProbeError::Truncated)));
        let (_dir, whole) = edited("ok_faststart.mp4", |b| {
            b[mdat..mdat + 4].copy_from_slice(&[0, 0, 0, 0]);
        });
        assert!(probe(&whole).is_ok(), "{:?}", probe(&whole));
    }

    #[test]
    fn a_moov_at_end_file_cut_anywhere_is_truncated() {
        let len = std::fs::metadata(fixture("ok.mp4")).expect("stat").len() as usize;
        // Inside the moov, inside the mdat, and inside the moov's 8-byte header.
        for keep in [len - 200, len / 2, 32 + 8 + 10_029 + 4] {
            let (_dir, cut) = edited("ok.mp4", |b| b.truncate(keep));
            assert!(
                matches!(probe(&cut), Err(ProbeError::Truncated)),
                "{keep}: {:?}",
                probe(&cut)
            );
        }
    }

    #[test]
    fn media_data_without_an_index_is_not_a_video() {
        // ok.mp4 is ftyp, free, mdat, moov: dropping the moov leaves a whole file without index.
        let (_dir, no_moov) = edited("ok.mp4", |b| b.truncate(32 + 8 + 10_029));
        let err = probe(&no_moov).expect_err("no moov");
        assert!(matches!(err, ProbeError::NotAVideo(_)), "{err:?}");
        assert!(err.to_string().contains("no index"), "{err}");
    }

    #[test]
    fn stray_bytes_after_a_whole_file_are_tolerated() {
        let (_dir, padded) = edited("ok.mp4", |b| b.extend_from_slice(&[0, 0, 0]));
        assert_eq!(
            info("ok.mp4").duration_ms,
            probe(&padded).expect("padded").duration_ms
        );
    }

    #[test]
    fn a_damaged_index_is_refused_without_panicking() {
        // Scramble every n-th byte of ok_faststart.mp4's moov (bytes 32..3580): whatever the
        // parser trips on, the answer is an error or a parse, never a panic.
        let (moov, moov_len) = (32usize, 3548usize);
        for step in [3usize, 7, 13, 29, 61, 127] {
            let (_dir, bad) = edited("ok_faststart.mp4", |b| {
                assert_eq!(&b[moov + 4..moov + 8], b"moov", "fixture layout changed");
                for i in (moov + 8..moov + moov_len).step_by(step) {
                    b[i] = b[i].wrapping_add(0x5A);
                }
            });
            if let Err(e) = probe(&bad) {
                assert!(
                    matches!(
                        e,
                        ProbeError::NotAVideo(_) | ProbeError::Truncated | ProbeError::NoVideoTrack
                    ),
                    "{step}: {e:?}"
                );
            }
        }
    }

    #[test]
    fn a_sample_table_the_parser_panics_on_is_refused() {
        // A chunk-offset table with no entries makes re_mp4 index past its end (a panic).
        let (_dir, bad) = edited("ok_faststart.mp4", |b| {
            let stco = b
                .windows(4)
                .position(|w| w == b"stco")
                .expect("an stco box");
            // type, then version and flags (4 bytes), then entry_count.
            b[stco + 8..stco + 12].copy_from_slice(&[0, 0, 0, 0]);
        });
        let err = probe(&bad).expect_err("damaged");
        assert!(matches!(err, ProbeError::NotAVideo(DAMAGED)), "{err:?}");
    }

    #[test]
    fn messages_say_what_to_do() {
        for e in [
            ProbeError::NotAVideo(DAMAGED),
            ProbeError::WebmUnsupported,
            ProbeError::NoVideoTrack,
            ProbeError::Truncated,
        ] {
            let m = e.to_string();
            assert!(m.ends_with('.') && m.len() > 40, "{m}");
            assert!(
                ["Export", "Upload", "Pick"]
                    .iter()
                    .any(|verb| m.contains(verb)),
                "{m}"
            );
        }
    }
}
