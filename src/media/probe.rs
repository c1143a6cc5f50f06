//! Reads what a video file is from its index (`moov`) only, never its media data, so checking a
//! 4 GB file costs about what a 4 MB one does.

use std::fs::File;
use std::io::{BufReader, Read as _};
use std::path::Path;

use re_mp4::{Mp4, TrackKind};

use super::{Container, VideoCodec, VideoInfo};

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(
        "This file is not a video Cast can read (MP4 or MOV). Export it as MP4 (H.264) and try again."
    )]
    NotAVideo,
    #[error(
        "This is a WebM video. Cast sends MP4 and MOV only: export it as MP4 (H.264) and try again."
    )]
    WebmUnsupported,
    #[error("This file has no video track. Pick a video file.")]
    NoVideoTrack,
    #[error(
        "This video file is incomplete (cut short while copying or uploading). Upload the whole file again."
    )]
    Truncated,
    #[error("The video file cannot be read: {0}")]
    Io(#[from] std::io::Error),
}

impl ProbeError {
    /// A stable code for scripts, matching the media rules' codes where they overlap.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAVideo => "not_a_video",
            Self::WebmUnsupported => "unsupported_container",
            Self::NoVideoTrack => "no_video_track",
            Self::Truncated => "truncated",
            Self::Io(_) => "unreadable",
        }
    }

    /// TikTok's `fail_reason` for such a file (contract §7).
    pub fn tiktok_fail_reason(&self) -> &'static str {
        "file_format_check_failed"
    }
}

/// Top-level box types an ISO-BMFF / QuickTime file may start with.
const FIRST_BOXES: [&[u8; 4]; 8] = [
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid",
];
const EBML_MAGIC: [u8; 4] = [0x1A, 0x45, 0xDF, 0xA3];

/// Blocking: run it on a blocking thread.
pub fn probe(path: &Path) -> Result<VideoInfo, ProbeError> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut head = [0u8; 8];
    if size < 8 || file.read_exact(&mut head).is_err() {
        return Err(ProbeError::NotAVideo);
    }
    if head[..4] == EBML_MAGIC {
        return Err(ProbeError::WebmUnsupported);
    }
    // Checked before parsing: the parser would read text as a huge box size and call it truncated.
    if !FIRST_BOXES.iter().any(|b| &head[4..8] == b.as_slice()) {
        return Err(ProbeError::NotAVideo);
    }
    drop(file);
    let reader = BufReader::with_capacity(64 * 1024, File::open(path)?);
    let mp4 = Mp4::read(reader, size).map_err(|e| classify(&e))?;
    describe(&mp4, size)
}

fn classify(e: &re_mp4::Error) -> ProbeError {
    use re_mp4::Error as E;
    match e {
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => ProbeError::Truncated,
        E::InvalidData(msg) if msg.contains("larger size") => ProbeError::Truncated,
        // Media data but no index: the index (moov) was at the end and did not arrive.
        E::BoxNotFound(re_mp4::BoxType::MoovBox) => ProbeError::Truncated,
        _ => ProbeError::NotAVideo,
    }
}

fn describe(mp4: &Mp4, size: u64) -> Result<VideoInfo, ProbeError> {
    let container = if &mp4.ftyp.major_brand.value == b"qt  " {
        Container::QuickTime
    } else {
        Container::Mp4
    };
    let tracks = mp4.tracks();
    // Sample data past the end of the file means the file was cut short.
    let end = tracks
        .values()
        .flat_map(|t| t.samples.iter())
        .map(|s| s.offset + s.size)
        .max()
        .unwrap_or(0);
    if end > size {
        return Err(ProbeError::Truncated);
    }
    let video = tracks
        .values()
        .find(|t| t.kind == Some(TrackKind::Video))
        .or_else(|| {
            tracks
                .values()
                .find(|t| &t.trak(mp4).mdia.hdlr.handler_type.value == b"vide")
        })
        .ok_or(ProbeError::NoVideoTrack)?;
    let trak = video.trak(mp4);
    let codec = codec_of(video.codec_string(mp4), &trak.mdia.minf.stbl.stsd.contents);
    let (mut width, mut height) = (u32::from(video.width), u32::from(video.height));
    if width == 0 || height == 0 {
        // Unknown sample entries leave the size at 0; the track header still has it.
        width = trak.tkhd.width.value() as u32;
        height = trak.tkhd.height.value() as u32;
    }
    let m = &trak.tkhd.matrix;
    if m.a == 0 && m.d == 0 && m.b != 0 && m.c != 0 {
        std::mem::swap(&mut width, &mut height);
    }
    let timescale = video.timescale.max(1);
    let duration_ms = video.duration.saturating_mul(1000) / timescale;
    let fps = if video.duration > 0 {
        video.samples.len() as f64 * timescale as f64 / video.duration as f64
    } else {
        0.0
    };
    Ok(VideoInfo {
        container,
        codec,
        width,
        height,
        duration_ms,
        fps,
        size,
    })
}

fn codec_of(codec_string: Option<String>, contents: &re_mp4::StsdBoxContent) -> VideoCodec {
    let fourcc = codec_string
        .as_deref()
        .and_then(|s| s.split('.').next())
        .map(str::to_string)
        .unwrap_or_else(|| match contents {
            re_mp4::StsdBoxContent::Unknown(f) => {
                String::from_utf8_lossy(&f.value).trim().to_string()
            }
            _ => String::new(),
        });
    match fourcc.as_str() {
        "avc1" | "avc3" => VideoCodec::H264,
        "hvc1" | "hev1" => VideoCodec::H265,
        "vp08" => VideoCodec::Vp8,
        "vp09" => VideoCodec::Vp9,
        "av01" => VideoCodec::Av1,
        other => VideoCodec::Other(other.to_string()),
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

    fn codes(name: &str, max_sec: u32) -> Vec<&'static str> {
        let info = probe(&fixture(name)).expect(name);
        check(&info, max_sec).iter().map(|p| p.code()).collect()
    }

    #[test]
    fn good_videos_pass_wherever_their_index_is() {
        for name in ["ok.mp4", "ok_faststart.mp4", "ok.mov", "hevc.mp4"] {
            let info = probe(&fixture(name)).expect(name);
            assert_eq!((info.width, info.height), (540, 960), "{name}");
            assert!((info.fps - 30.0).abs() < 0.1, "{name}: {}", info.fps);
            assert!(
                (1900..=2100).contains(&info.duration_ms),
                "{name}: {}",
                info.duration_ms
            );
            assert!(
                check(&info, 600).is_empty(),
                "{name}: {:?}",
                check(&info, 600)
            );
        }
        assert_eq!(
            probe(&fixture("ok.mov")).expect("mov").container,
            Container::QuickTime
        );
        assert_eq!(
            probe(&fixture("hevc.mp4")).expect("hevc").codec,
            VideoCodec::H265
        );
        assert_eq!(
            probe(&fixture("ok.mp4")).expect("mp4").codec,
            VideoCodec::H264
        );
    }

    #[test]
    fn each_bad_fixture_has_its_problem() {
        assert_eq!(codes("too_long.mp4", 10), ["too_long"]);
        assert_eq!(codes("wrong_codec.mp4", 600), ["unsupported_codec"]);
        assert_eq!(codes("low_fps.mp4", 600), ["frame_rate"]);
        assert_eq!(codes("tiny.mp4", 600), ["resolution"]);
    }

    #[test]
    fn files_that_are_not_whole_videos_are_refused_by_name() {
        assert!(matches!(
            probe(&fixture("not_a_video.mp4")),
            Err(ProbeError::NotAVideo)
        ));
        assert!(matches!(
            probe(&fixture("truncated.mp4")),
            Err(ProbeError::Truncated)
        ));
        let dir = tempfile::tempdir().expect("dir");
        // A moov-at-end file cut short loses its index.
        let whole = std::fs::read(fixture("ok.mp4")).expect("read");
        let cut = dir.path().join("cut.mp4");
        std::fs::write(&cut, &whole[..whole.len() - 200]).expect("write");
        assert!(
            matches!(probe(&cut), Err(ProbeError::Truncated)),
            "{:?}",
            probe(&cut)
        );
        let webm = dir.path().join("x.webm");
        std::fs::write(&webm, [0x1A, 0x45, 0xDF, 0xA3, 0, 0, 0, 0, 0, 0]).expect("write");
        assert!(matches!(probe(&webm), Err(ProbeError::WebmUnsupported)));
    }
}
