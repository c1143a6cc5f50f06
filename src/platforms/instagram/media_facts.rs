//! The probe's answer as the Reel rules read it, when only the probe's summary is at hand (the
//! checks at submit): the index's place is in the summary; edit lists are judged later, from
//! the file.

use crate::media::VideoInfo;
use crate::media::details::{self, MediaDetails};

/// `video` with the facts the summary lacks taken as acceptable.
pub fn stand_in(video: &VideoInfo) -> MediaDetails {
    MediaDetails {
        info: video.clone(),
        moov_first: video.moov_first,
        edit_list_entries: 0,
        audio: None,
    }
}

/// Every fact of the file, read on a blocking thread (the probe reads the index only).
pub async fn read(path: &std::path::Path) -> Result<MediaDetails, String> {
    let path = path.to_path_buf();
    match tokio::task::spawn_blocking(move || details::details(&path)).await {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}
