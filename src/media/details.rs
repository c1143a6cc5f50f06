//! What a platform that is stricter than TikTok also asks of a file (Instagram's Reels, contract
//! `instagram-api.md` section 7): where the index sits, edit lists, the audio track. Still read
//! from the index only; `probe` has already judged the file readable.

use std::fs::File;
use std::io::{BufReader, Read as _, Seek as _, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use re_mp4::{Mp4, StsdBoxContent};
use serde::Serialize;

use super::VideoInfo;
use super::probe::{ProbeError, probe};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioInfo {
    /// The sample entry's four-character code: `mp4a` for AAC.
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u16,
    /// The average bitrate the encoder declared (`esds`), when it declared one.
    pub bitrate_bps: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaDetails {
    pub info: VideoInfo,
    /// `moov` comes before the first `mdat` ("faststart").
    pub moov_first: bool,
    /// The most entries any track's edit list has (0 when there is none).
    pub edit_list_entries: u32,
    /// The first audio track, if any.
    pub audio: Option<AudioInfo>,
}

impl MediaDetails {
    /// Average bitrate of the whole file (video and audio), bits per second.
    pub fn bitrate_bps(&self) -> u64 {
        match self.info.duration_ms {
            0 => 0,
            ms => u64::try_from(u128::from(self.info.size) * 8000 / u128::from(ms))
                .unwrap_or(u64::MAX),
        }
    }
}

/// `probe`, plus the details above. Blocking: call it from a blocking thread.
pub fn details(path: &Path) -> Result<MediaDetails, ProbeError> {
    let info = probe(path)?;
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let (moov_first, boxes_end) = layout(&mut file, size)?;
    file.seek(SeekFrom::Start(0))?;
    let reader = BufReader::with_capacity(64 * 1024, file);
    // As in `probe`: a parser panic on a damaged index is a refusal, not a crash.
    let mp4 = match catch_unwind(AssertUnwindSafe(move || Mp4::read(reader, boxes_end))) {
        Ok(Ok(mp4)) => mp4,
        _ => return Err(ProbeError::NotAVideo("its index is damaged")),
    };
    let edit_list_entries = mp4
        .moov
        .traks
        .iter()
        .filter_map(|t| t.edts.as_ref()?.elst.as_ref())
        .map(|elst| u32::try_from(elst.entries.len()).unwrap_or(u32::MAX))
        .max()
        .unwrap_or(0);
    let audio = mp4
        .moov
        .traks
        .iter()
        .find(|t| &t.mdia.hdlr.handler_type.value == b"soun")
        .map(|t| match &t.mdia.minf.stbl.stsd.contents {
            StsdBoxContent::Mp4a(a) => {
                let config = a.esds.as_ref().map(|e| &e.es_desc.dec_config);
                // Encoders write 2 in the sample entry whatever the stream is; the decoder
                // config has the real channel layout (1 mono, 2 stereo, up to 7 = 7.1).
                let channels = config
                    .map(|c| u16::from(c.dec_specific.chan_conf))
                    .filter(|c| (1..=7).contains(c))
                    .map(|c| if c == 7 { 8 } else { c })
                    .unwrap_or(a.channelcount);
                AudioInfo {
                    codec: "mp4a".into(),
                    sample_rate: u32::from(a.samplerate.value()),
                    channels,
                    bitrate_bps: config.map(|c| c.avg_bitrate).filter(|b| *b > 0),
                }
            }
            StsdBoxContent::Unknown(fourcc) => AudioInfo {
                codec: String::from_utf8_lossy(&fourcc.value).trim().to_string(),
                sample_rate: 0,
                channels: 0,
                bitrate_bps: None,
            },
            _ => AudioInfo {
                codec: String::new(),
                sample_rate: 0,
                channels: 0,
                bitrate_bps: None,
            },
        });
    Ok(MediaDetails {
        info,
        moov_first,
        edit_list_entries,
        audio,
    })
}

/// Whether `moov` precedes the first `mdat`, and where the last whole top-level box ends.
fn layout(file: &mut File, size: u64) -> Result<(bool, u64), ProbeError> {
    let mut pos = 0u64;
    let mut head = [0u8; 8];
    let (mut moov_at, mut mdat_at) = (None, None);
    while size.saturating_sub(pos) >= 8 {
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(&mut head)?;
        let end = match u32::from_be_bytes([head[0], head[1], head[2], head[3]]) {
            0 => size,
            1 => {
                let mut large = [0u8; 8];
                file.read_exact(&mut large)?;
                pos.saturating_add(u64::from_be_bytes(large))
            }
            n => pos + u64::from(n),
        };
        if end <= pos || end > size {
            break;
        }
        match &head[4..8] {
            b"moov" => moov_at = moov_at.or(Some(pos)),
            b"mdat" => mdat_at = mdat_at.or(Some(pos)),
            _ => {}
        }
        pos = end;
    }
    let moov_first = match (moov_at, mdat_at) {
        (Some(moov), Some(mdat)) => moov < mdat,
        (Some(_), None) => true,
        _ => false,
    };
    Ok((moov_first, pos))
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
    fn the_index_position_edit_lists_and_audio_are_read() {
        let at_end = details(&fixture("ok.mp4")).expect("ok.mp4");
        assert!(!at_end.moov_first);
        assert_eq!(at_end.edit_list_entries, 1);
        let audio = at_end.audio.clone().expect("ok.mp4 has AAC");
        assert_eq!(
            (audio.codec.as_str(), audio.sample_rate, audio.channels),
            ("mp4a", 44_100, 1)
        );
        let front = details(&fixture("ok_faststart.mp4")).expect("faststart");
        assert!(front.moov_first);
        assert!(front.info.moov_first && !at_end.info.moov_first);
        let same_but_the_layout = crate::media::VideoInfo {
            moov_first: false,
            ..front.info.clone()
        };
        assert_eq!(same_but_the_layout, at_end.info);
        assert_eq!(details(&fixture("ok.mov")).expect("mov").audio, None);
    }

    #[test]
    fn bitrate_is_the_whole_files_average() {
        let d = details(&fixture("ok_faststart.mp4")).expect("faststart");
        // 13,617 bytes over 2 s.
        assert_eq!(d.bitrate_bps(), 13_617 * 8 / 2);
    }

    #[test]
    fn what_probe_refuses_stays_refused() {
        assert!(details(&fixture("not_a_video.mp4")).is_err());
        assert!(details(&fixture("truncated.mp4")).is_err());
    }
}
