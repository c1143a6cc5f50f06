//! The upload job as stored: its states, and the view scripts and pages see (no secrets).

use serde::Serialize;

use super::lifecycle::{self, Action};
use super::post::{Mode, PostOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waits for `publish_at`.
    Scheduled,
    /// Due: the worker will fetch creator info and init.
    Queued,
    /// TikTok gave an upload URL; chunks are being sent (`bytes_sent` is the acknowledged progress).
    Uploading,
    /// Every chunk arrived; TikTok is processing and Cast polls its status.
    Processing,
    Published,
    InInbox,
    Failed,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 8] = [
        Self::Scheduled,
        Self::Queued,
        Self::Uploading,
        Self::Processing,
        Self::Published,
        Self::InInbox,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Queued => "queued",
            Self::Uploading => "uploading",
            Self::Processing => "processing",
            Self::Published => "published",
            Self::InInbox => "in_inbox",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Published | Self::InInbox | Self::Failed | Self::Cancelled
        )
    }
}

/// A row of `uploads`, as the repository reads it.
#[derive(Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub open_id: String,
    pub mode: String,
    pub post_options: String,
    pub file_path: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub state: String,
    pub attempts: i64,
    pub run_at: i64,
    pub publish_id: Option<String>,
    pub upload_url: Option<String>,
    pub upload_url_expires_at: Option<i64>,
    pub chunk_size: Option<i64>,
    pub bytes_sent: i64,
    pub polls: i64,
    pub post_ids: String,
    pub last_error: Option<String>,
    pub error_code: Option<String>,
    pub publish_at: Option<i64>,
    pub processing_started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub spool_deleted: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub init_started_at: Option<i64>,
    pub orphaned_inits: i64,
    pub initiated_at: Option<i64>,
    pub refused_chunk_sizes: String,
    pub link_wait_until: Option<i64>,
    pub post_id_source: Option<String>,
    pub note: Option<String>,
}

/// A job, parsed. `upload_url` is a credential: `Debug` leaves it out.
#[derive(Clone)]
pub struct Job {
    pub id: String,
    pub open_id: String,
    pub mode: Mode,
    pub options: PostOptions,
    pub file_path: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub state: JobState,
    pub attempts: u32,
    pub run_at: i64,
    pub publish_id: Option<String>,
    pub upload_url: Option<String>,
    pub upload_url_expires_at: Option<i64>,
    pub chunk_size: Option<u64>,
    pub bytes_sent: u64,
    pub polls: u32,
    pub post_ids: Vec<String>,
    pub last_error: Option<String>,
    pub error_code: Option<String>,
    pub publish_at: Option<i64>,
    pub processing_started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub spool_deleted: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Set while an init is in flight: found set at the next step, that init's answer was lost.
    pub init_started_at: Option<i64>,
    /// Inits whose answer was lost: each may be an upload at TikTok that never gets its file.
    pub orphaned_inits: u32,
    /// When TikTok's init answered (the video list only matches videos created after it).
    pub initiated_at: Option<i64>,
    /// Chunk sizes TikTok refused at init ("The chunk size is invalid"), each tried once.
    pub refused_chunk_sizes: Vec<u64>,
    /// A published public post's link is asked for until then.
    pub link_wait_until: Option<i64>,
    pub post_id_source: Option<String>,
    pub note: Option<String>,
}

impl Job {
    /// TikTok acknowledged the whole file of the current upload (see `lifecycle`).
    pub fn delivered(&self) -> bool {
        self.processing_started_at.is_some()
    }

    pub fn actions(&self) -> Vec<Action> {
        lifecycle::allowed(self.state, self.delivered())
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("open_id", &self.open_id)
            .field("state", &self.state)
            .field("publish_id", &self.publish_id)
            .field("bytes_sent", &self.bytes_sent)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the stored upload {id} cannot be read: {what}")]
pub struct CorruptRow {
    pub id: String,
    pub what: String,
}

impl TryFrom<JobRow> for Job {
    type Error = CorruptRow;

    fn try_from(r: JobRow) -> Result<Self, CorruptRow> {
        let corrupt = |what: &str| CorruptRow {
            id: r.id.clone(),
            what: what.to_string(),
        };
        let state = JobState::parse(&r.state).ok_or_else(|| corrupt("state"))?;
        let mode = Mode::parse(&r.mode).ok_or_else(|| corrupt("mode"))?;
        let options: PostOptions =
            serde_json::from_str(&r.post_options).map_err(|_| corrupt("post_options"))?;
        let post_ids: Vec<String> = serde_json::from_str(&r.post_ids).unwrap_or_default();
        let refused_chunk_sizes: Vec<u64> =
            serde_json::from_str(&r.refused_chunk_sizes).unwrap_or_default();
        Ok(Job {
            mode,
            options,
            state,
            post_ids,
            size: r.size.max(0) as u64,
            attempts: r.attempts.max(0) as u32,
            chunk_size: r.chunk_size.map(|c| c.max(0) as u64),
            bytes_sent: r.bytes_sent.max(0) as u64,
            polls: r.polls.max(0) as u32,
            spool_deleted: r.spool_deleted != 0,
            id: r.id,
            open_id: r.open_id,
            file_path: r.file_path,
            content_type: r.content_type,
            sha256: r.sha256,
            run_at: r.run_at,
            publish_id: r.publish_id,
            upload_url: r.upload_url,
            upload_url_expires_at: r.upload_url_expires_at,
            last_error: r.last_error,
            error_code: r.error_code,
            publish_at: r.publish_at,
            processing_started_at: r.processing_started_at,
            finished_at: r.finished_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            init_started_at: r.init_started_at,
            orphaned_inits: r.orphaned_inits.max(0) as u32,
            initiated_at: r.initiated_at,
            refused_chunk_sizes,
            link_wait_until: r.link_wait_until,
            post_id_source: r.post_id_source,
            note: r.note,
        })
    }
}

/// What `GET /api/uploads/{id}` shows: progress and outcome, never the upload URL.
#[derive(Debug, Clone, Serialize)]
pub struct UploadView {
    pub id: String,
    pub state: JobState,
    pub mode: Mode,
    pub open_id: String,
    pub title: String,
    pub privacy_level: Option<String>,
    pub size: u64,
    pub sha256: String,
    pub bytes_sent: u64,
    pub publish_id: Option<String>,
    pub post_ids: Vec<String>,
    pub last_error: Option<String>,
    pub error_code: Option<String>,
    pub attempts: u32,
    pub publish_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// TikTok acknowledged the whole file: sending it again may post it twice.
    pub delivered: bool,
    /// What the owner may do now (`lifecycle`): cancel, retry, check_again, send_again.
    pub actions: Vec<Action>,
    /// Published, and Cast is still asking TikTok for the post's link.
    pub awaiting_link: bool,
    /// Where the post id came from: `status`, or `caption` (found in the video list).
    pub post_id_source: Option<String>,
    /// How a successful job ended, when there is more to say (e.g. moved to the inbox).
    pub note: Option<String>,
    /// Starts of this upload whose answer from TikTok was lost (Cast stopped mid-init).
    pub orphaned_inits: u32,
}

impl From<&Job> for UploadView {
    fn from(j: &Job) -> Self {
        Self {
            id: j.id.clone(),
            state: j.state,
            mode: j.mode,
            open_id: j.open_id.clone(),
            title: j.options.title.as_str().to_string(),
            privacy_level: j.options.privacy_level.map(|p| p.as_str().to_string()),
            size: j.size,
            sha256: j.sha256.clone(),
            bytes_sent: j.bytes_sent,
            publish_id: j.publish_id.clone(),
            post_ids: j.post_ids.clone(),
            last_error: j.last_error.clone(),
            error_code: j.error_code.clone(),
            attempts: j.attempts,
            publish_at: j.publish_at,
            next_attempt_at: (!j.state.is_final()).then_some(j.run_at),
            created_at: j.created_at,
            updated_at: j.updated_at,
            delivered: j.delivered(),
            actions: j.actions(),
            awaiting_link: j.state == JobState::Published && j.link_wait_until.is_some(),
            post_id_source: j.post_id_source.clone(),
            note: j.note.clone(),
            orphaned_inits: j.orphaned_inits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_their_names() {
        for s in JobState::ALL {
            assert_eq!(JobState::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobState::parse("nope"), None);
        assert!(JobState::Failed.is_final());
        assert!(!JobState::Processing.is_final());
    }
}
