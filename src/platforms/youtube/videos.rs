//! Following a video after its upload (`videos.list`, contract section 6) and what its state
//! means for Cast. Unknown values are kept as strings and read as "still processing", so a new
//! value from YouTube never ends a job by mistake; the caller bounds how long it polls.

use serde_json::Value;

use super::client::YouTubeClient;
use super::error::YouTubeError;
use super::options::Privacy;

/// The link Cast shows; it works for Shorts and regular videos alike.
pub fn watch_url(video_id: &str) -> String {
    format!("https://www.youtube.com/watch?v={video_id}")
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoState {
    pub id: String,
    pub upload_status: String,
    pub failure_reason: Option<String>,
    pub rejection_reason: Option<String>,
    pub privacy_status: Option<String>,
    pub publish_at: Option<String>,
    pub processing_status: Option<String>,
    pub processing_failure_reason: Option<String>,
    pub parts_total: Option<u64>,
    pub parts_processed: Option<u64>,
    /// `contentDetails.duration`, ISO 8601 (`PT41S`).
    pub duration: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
    /// Private until `publish_at` (RFC 3339), then public.
    Scheduled {
        publish_at: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Still being processed; `percent` when YouTube gives parts (it may go down).
    Processing {
        percent: Option<u8>,
    },
    Published {
        visibility: Visibility,
    },
    /// `failureReason` or `processingFailureReason`. Only `uploadAborted` is worth a new upload.
    Failed {
        reason: String,
        retry: bool,
    },
    /// Never retried: `duplicate`, `copyright`, `length`, ….
    Rejected {
        reason: String,
    },
    /// `deleted`, or gone from `videos.list` after the upload was confirmed.
    Removed,
}

impl VideoState {
    pub fn outcome(&self) -> Outcome {
        let processing = self.processing_status.as_deref();
        match self.upload_status.as_str() {
            "failed" => self.failed(),
            "rejected" => Outcome::Rejected {
                reason: self
                    .rejection_reason
                    .clone()
                    .unwrap_or_else(|| "unknown".into()),
            },
            "deleted" => Outcome::Removed,
            _ if processing == Some("failed") => self.failed(),
            "processed" => Outcome::Published {
                visibility: self.visibility(),
            },
            _ => Outcome::Processing {
                percent: self.percent(),
            },
        }
    }

    fn failed(&self) -> Outcome {
        let reason = self
            .failure_reason
            .clone()
            .or_else(|| self.processing_failure_reason.clone())
            .unwrap_or_else(|| "unknown".into());
        Outcome::Failed {
            retry: reason == "uploadAborted",
            reason,
        }
    }

    fn percent(&self) -> Option<u8> {
        let total = self.parts_total.filter(|t| *t > 0)?;
        let done = self.parts_processed?.min(total);
        u8::try_from(done * 100 / total).ok()
    }

    pub fn visibility(&self) -> Visibility {
        match (self.privacy_status.as_deref(), &self.publish_at) {
            (Some("private"), Some(at)) => Visibility::Scheduled {
                publish_at: at.clone(),
            },
            (Some("unlisted"), _) => Visibility::Unlisted,
            (Some("public"), _) => Visibility::Public,
            _ => Visibility::Private,
        }
    }

    /// YouTube made private what was asked otherwise (unverified projects, contract section 9).
    pub fn kept_private(&self, asked: Privacy) -> bool {
        asked != Privacy::Private && self.visibility() == Visibility::Private
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// The item for `id` in a `videos.list` answer, if there is one.
pub fn parse_video(body: &Value, id: &str) -> Option<VideoState> {
    let item = body["items"]
        .as_array()?
        .iter()
        .find(|item| item["id"].as_str() == Some(id))?;
    let status = &item["status"];
    let processing = &item["processingDetails"];
    let progress = &processing["processingProgress"];
    // Counts are documented as strings in places and numbers in others: read both.
    let count = |v: &Value| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
    Some(VideoState {
        id: id.to_string(),
        upload_status: text(&status["uploadStatus"]).unwrap_or_default(),
        failure_reason: text(&status["failureReason"]),
        rejection_reason: text(&status["rejectionReason"]),
        privacy_status: text(&status["privacyStatus"]),
        publish_at: text(&status["publishAt"]),
        processing_status: text(&processing["processingStatus"]),
        processing_failure_reason: text(&processing["processingFailureReason"]),
        parts_total: count(&progress["partsTotal"]),
        parts_processed: count(&progress["partsProcessed"]),
        duration: text(&item["contentDetails"]["duration"]),
    })
}

impl YouTubeClient {
    /// The video's state, or `None` when `videos.list` has no item for it (a fresh video may
    /// briefly be missing: Unsure 19; the caller tolerates a few before calling it removed).
    /// 1 quota unit.
    pub async fn video(
        &self,
        access_token: &str,
        video_id: &str,
    ) -> Result<Option<VideoState>, YouTubeError> {
        let body = self
            .get_json(
                access_token,
                &self.api_endpoint("/videos"),
                &[
                    ("part", "status,processingDetails,contentDetails"),
                    ("id", video_id),
                ],
            )
            .await?;
        Ok(parse_video(&body, video_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(status: Value, processing: Value) -> VideoState {
        parse_video(
            &json!({"items": [{"id": "v1", "status": status, "processingDetails": processing}]}),
            "v1",
        )
        .expect("item")
    }

    #[test]
    fn processing_shows_its_progress() {
        let s = state(
            json!({"uploadStatus": "uploaded", "privacyStatus": "public"}),
            json!({"processingStatus": "processing", "processingProgress": {"partsTotal": "200", "partsProcessed": 50}}),
        );
        assert_eq!(s.outcome(), Outcome::Processing { percent: Some(25) });
    }

    #[test]
    fn processed_videos_are_published_with_their_visibility() {
        let public = state(
            json!({"uploadStatus": "processed", "privacyStatus": "public"}),
            json!({"processingStatus": "succeeded"}),
        );
        assert_eq!(
            public.outcome(),
            Outcome::Published {
                visibility: Visibility::Public
            }
        );
        let scheduled = state(
            json!({"uploadStatus": "processed", "privacyStatus": "private", "publishAt": "2027-01-01T00:00:00Z"}),
            json!({"processingStatus": "succeeded"}),
        );
        assert!(matches!(
            scheduled.visibility(),
            Visibility::Scheduled { .. }
        ));
        let locked = state(
            json!({"uploadStatus": "processed", "privacyStatus": "private"}),
            json!({}),
        );
        assert!(locked.kept_private(Privacy::Public));
        assert!(!locked.kept_private(Privacy::Private));
    }

    #[test]
    fn failures_say_why_and_only_an_aborted_upload_is_retried() {
        let s = state(
            json!({"uploadStatus": "failed", "failureReason": "conversion"}),
            json!({"processingStatus": "failed", "processingFailureReason": "transcodeFailed"}),
        );
        assert_eq!(
            s.outcome(),
            Outcome::Failed {
                reason: "conversion".into(),
                retry: false
            }
        );
        let aborted = state(
            json!({"uploadStatus": "failed", "failureReason": "uploadAborted"}),
            json!({}),
        );
        assert!(matches!(
            aborted.outcome(),
            Outcome::Failed { retry: true, .. }
        ));
        let dup = state(
            json!({"uploadStatus": "rejected", "rejectionReason": "duplicate"}),
            json!({"processingStatus": "terminated"}),
        );
        assert_eq!(
            dup.outcome(),
            Outcome::Rejected {
                reason: "duplicate".into()
            }
        );
    }

    #[test]
    fn unknown_states_read_as_processing_and_missing_items_as_none() {
        let s = state(json!({"uploadStatus": "somethingNew"}), json!({}));
        assert_eq!(s.outcome(), Outcome::Processing { percent: None });
        assert!(parse_video(&json!({"items": []}), "v1").is_none());
        assert!(parse_video(&json!({}), "v1").is_none());
    }
}
