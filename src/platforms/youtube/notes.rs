//! What Cast notes about a YouTube target between steps (its `progress` JSON), and how often it
//! asks about processing: shared by the sending and the following steps.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::platforms::TargetJob;

/// What Cast notes about a YouTube upload in the target's `progress`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Notes {
    /// The chunk size of the current session: every non-final chunk of it must be the same.
    #[serde(default)]
    pub chunk_size: Option<u64>,
    /// The video YouTube made of the upload, from the final answer (or a probe that found it).
    #[serde(default)]
    pub video_id: Option<String>,
    /// Sessions opened for this target (a 404 starts a new one).
    #[serde(default)]
    pub sessions: u32,
    /// What became of the cover picked on the posting screen: "set", or why YouTube refused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

impl Notes {
    pub fn of(job: &TargetJob) -> Self {
        serde_json::from_value(job.progress.clone()).unwrap_or_default()
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// 5 s, doubling, at most 60 s (contract 6).
pub fn poll_delay(polls: u32) -> Duration {
    Duration::from_secs((5u64 << polls.min(4)).min(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_start_at_five_seconds_and_stay_under_a_minute() {
        let d: Vec<u64> = (0..7).map(|p| poll_delay(p).as_secs()).collect();
        assert_eq!(d, [5, 10, 20, 40, 60, 60, 60]);
    }
}
