//! What Cast notes about a TikTok upload in the target's `progress`, read and written by both
//! the steps that send the file and those that follow it.

use serde::{Deserialize, Serialize};

use crate::platforms::TargetJob;

/// The TikTok upload's notes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Notes {
    /// The chunk size of the current upload's plan.
    #[serde(default)]
    pub chunk_size: Option<u64>,
    /// Chunk sizes TikTok refused at init ("The chunk size is invalid"), each tried once.
    #[serde(default)]
    pub refused_chunk_sizes: Vec<u64>,
    /// When init answered: the video list only matches videos created after it.
    #[serde(default)]
    pub initiated_at: Option<i64>,
    /// Where the post id came from: `status`, `caption` (found in the video list) or
    /// `webhook` (`post.publish.publicly_available`).
    #[serde(default)]
    pub post_id_source: Option<String>,
    /// The post id a webhook gave while TikTok was still processing (events come in any
    /// order): used when the status says the post is up without giving the id itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_post_id: Option<String>,
    /// TikTok pulls this upload from a public link (PULL_FROM_URL) rather than taking chunks;
    /// the link is revoked once the status leaves `PROCESSING_DOWNLOAD`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pulled: bool,
}

impl Notes {
    pub fn of(job: &TargetJob) -> Self {
        Self::from_value(&job.progress)
    }

    pub fn from_value(progress: &serde_json::Value) -> Self {
        serde_json::from_value(progress.clone()).unwrap_or_default()
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
