//! The seed API's view of a target (`/api/tiktok/upload-video`, `/api/uploads/...`), kept as it
//! was for scripts written against it: an "upload" is a target. Its TikTok words (`open_id`,
//! `publish_id`, `mode`, `title`, `privacy_level`, `post_id_source`) are read from the target's
//! options and notes by name; every other platform's target shows them empty.

use serde::Serialize;

use super::model::{Post, Target};
use super::state::{Action, TargetState};

/// What `GET /api/uploads/{id}` shows: progress and outcome, never the upload URL.
#[derive(Debug, Clone, Serialize)]
pub struct UploadView {
    pub id: String,
    pub post_id: String,
    pub state: TargetState,
    pub mode: Option<String>,
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
    /// The platform acknowledged the whole file: sending it again may post it twice.
    pub delivered: bool,
    pub actions: Vec<Action>,
    pub awaiting_link: bool,
    pub post_id_source: Option<String>,
    pub note: Option<String>,
    pub orphaned_inits: u32,
}

fn text(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key).and_then(|s| s.as_str()).map(str::to_string)
}

impl UploadView {
    pub fn new(post: &Post, t: &Target) -> Self {
        Self {
            id: t.id.clone(),
            post_id: post.id.clone(),
            state: t.state,
            mode: text(&t.options, "mode"),
            open_id: t.account_id.clone(),
            title: text(&t.options, "title").unwrap_or_default(),
            privacy_level: text(&t.options, "privacy_level"),
            size: post.size.max(0) as u64,
            sha256: post.sha256.clone(),
            bytes_sent: t.bytes_sent,
            publish_id: t.remote_id.clone(),
            post_ids: t.result_post_id.iter().cloned().collect(),
            last_error: t.last_error.clone(),
            error_code: t.error_code.clone(),
            attempts: t.attempts,
            publish_at: post.publish_at,
            next_attempt_at: (!t.state.is_final()).then_some(t.run_at),
            created_at: t.created_at,
            updated_at: t.updated_at,
            delivered: t.committed,
            actions: t.actions(),
            awaiting_link: t.awaiting_link(),
            post_id_source: text(&t.progress, "post_id_source"),
            note: t.note.clone(),
            orphaned_inits: t.orphaned_inits,
        }
    }
}
