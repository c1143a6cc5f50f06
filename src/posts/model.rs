//! A post and its targets as stored, and the views scripts and pages see (never a secret).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::state::{self, Action, Facts, TargetState};
use crate::platforms::{PlatformId, Visibility};

/// A warning or problem as stored with a target (its code is a string once read back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    pub code: String,
    pub message: String,
}

/// A row of `posts`: the one video, and when it goes out.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Post {
    pub seq: i64,
    pub id: String,
    pub file_path: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub video_info: String,
    pub idempotency_key: Option<String>,
    pub browser_upload_id: Option<String>,
    pub publish_at: Option<i64>,
    pub spool_deleted: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// `pending` (the upload still arrives), `checking`, `passed` or `failed` (see `relay`).
    pub check_state: String,
    pub check_reason: Option<String>,
}

/// A row of `targets`, as the repository reads it.
#[derive(Clone, sqlx::FromRow)]
pub struct TargetRow {
    pub seq: i64,
    pub id: String,
    pub post_id: String,
    pub position: i64,
    pub platform: String,
    pub account_id: String,
    pub options: String,
    pub state: String,
    pub attempts: i64,
    pub trouble_since: Option<i64>,
    pub run_at: i64,
    pub lease_until: Option<i64>,
    pub lease_owner: Option<String>,
    pub remote_id: Option<String>,
    pub session: Option<String>,
    pub session_expires_at: Option<i64>,
    pub bytes_sent: i64,
    pub committed: i64,
    pub committed_at: Option<i64>,
    pub initiating_at: Option<i64>,
    pub orphaned_inits: i64,
    pub progress: String,
    pub polls: i64,
    pub result_url: Option<String>,
    pub result_post_id: Option<String>,
    pub result_visibility: Option<String>,
    pub link_pending_until: Option<i64>,
    pub warnings: String,
    pub waiting_until: Option<i64>,
    pub error_code: Option<String>,
    pub last_error: Option<String>,
    pub note: Option<String>,
    pub resends: i64,
    pub finished_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A target, parsed. `session` is a credential (an upload URL): `Debug` leaves it out.
#[derive(Clone)]
pub struct Target {
    pub seq: i64,
    pub id: String,
    pub post_id: String,
    pub position: u32,
    pub platform: PlatformId,
    pub account_id: String,
    pub options: Value,
    pub state: TargetState,
    pub attempts: u32,
    pub trouble_since: Option<i64>,
    pub run_at: i64,
    pub lease_until: Option<i64>,
    pub remote_id: Option<String>,
    pub session: Option<String>,
    pub session_expires_at: Option<i64>,
    pub bytes_sent: u64,
    pub committed: bool,
    pub committed_at: Option<i64>,
    pub initiating_at: Option<i64>,
    pub orphaned_inits: u32,
    pub progress: Value,
    pub polls: u32,
    pub result_url: Option<String>,
    pub result_post_id: Option<String>,
    pub result_visibility: Option<Visibility>,
    pub link_pending_until: Option<i64>,
    pub warnings: Vec<Notice>,
    pub waiting_until: Option<i64>,
    pub error_code: Option<String>,
    pub last_error: Option<String>,
    pub note: Option<String>,
    pub resends: u32,
    pub finished_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("id", &self.id)
            .field("platform", &self.platform)
            .field("account_id", &self.account_id)
            .field("state", &self.state)
            .field("remote_id", &self.remote_id)
            .field("bytes_sent", &self.bytes_sent)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the stored target {id} cannot be read: {what}")]
pub struct CorruptRow {
    pub id: String,
    pub what: String,
}

fn count(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

impl TryFrom<TargetRow> for Target {
    type Error = CorruptRow;

    fn try_from(r: TargetRow) -> Result<Self, CorruptRow> {
        let corrupt = |what: &str| CorruptRow {
            id: r.id.clone(),
            what: what.to_string(),
        };
        let state = TargetState::parse(&r.state).ok_or_else(|| corrupt("state"))?;
        let platform = PlatformId::parse(&r.platform).ok_or_else(|| corrupt("platform"))?;
        let options: Value = serde_json::from_str(&r.options).map_err(|_| corrupt("options"))?;
        Ok(Target {
            state,
            platform,
            options,
            progress: serde_json::from_str(&r.progress).unwrap_or_else(|_| serde_json::json!({})),
            warnings: serde_json::from_str(&r.warnings).unwrap_or_default(),
            result_visibility: r.result_visibility.as_deref().and_then(Visibility::parse),
            position: count(r.position),
            attempts: count(r.attempts),
            bytes_sent: r.bytes_sent.max(0) as u64,
            committed: r.committed != 0,
            orphaned_inits: count(r.orphaned_inits),
            polls: count(r.polls),
            resends: count(r.resends),
            seq: r.seq,
            id: r.id,
            post_id: r.post_id,
            account_id: r.account_id,
            trouble_since: r.trouble_since,
            run_at: r.run_at,
            lease_until: r.lease_until,
            remote_id: r.remote_id,
            session: r.session,
            session_expires_at: r.session_expires_at,
            committed_at: r.committed_at,
            initiating_at: r.initiating_at,
            result_url: r.result_url,
            result_post_id: r.result_post_id,
            link_pending_until: r.link_pending_until,
            waiting_until: r.waiting_until,
            error_code: r.error_code,
            last_error: r.last_error,
            note: r.note,
            finished_at: r.finished_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl Target {
    /// What the state machine needs, with the post's video size.
    pub fn facts(&self, size: u64) -> Facts {
        Facts {
            state: self.state,
            attempts: self.attempts,
            trouble_since: self.trouble_since,
            committed: self.committed,
            has_remote: self.remote_id.is_some(),
            session_valid_until: self.session.as_ref().and(self.session_expires_at),
            bytes_sent: self.bytes_sent,
            size,
            initiating: self.initiating_at.is_some(),
            orphaned_inits: self.orphaned_inits,
            link_pending: self.state == TargetState::Published && self.link_pending_until.is_some(),
            polls: self.polls,
            resends: self.resends,
            platform: self.platform.name(),
        }
    }

    pub fn actions(&self) -> Vec<Action> {
        state::actions(self.state, self.committed)
    }

    /// Published, and the platform's post id is still awaited.
    pub fn awaiting_link(&self) -> bool {
        self.state == TargetState::Published && self.link_pending_until.is_some()
    }
}

/// A target's outcome, for scripts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub url: Option<String>,
    pub post_id: Option<String>,
    #[schema(value_type = Option<String>, example = "public")]
    pub visibility: Option<Visibility>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorView {
    pub code: String,
    pub message: String,
}

/// What `GET /api/posts/{id}` shows of a target.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetView {
    pub id: String,
    #[schema(value_type = String, example = "tiktok")]
    pub platform: PlatformId,
    pub account: String,
    /// scheduled, queued, uploading, processing, waiting, published, in_inbox, failed or cancelled.
    #[schema(value_type = String, example = "published")]
    pub state: TargetState,
    /// How much of the video the platform holds, in percent.
    pub progress: u8,
    pub bytes_sent: u64,
    /// Set once published (or in the inbox, without a link).
    pub result: Option<ResultView>,
    /// Why it failed, or the trouble Cast is waiting out.
    pub error: Option<ErrorView>,
    /// Held back by the platform's cap until then (Unix seconds).
    pub waiting_until: Option<i64>,
    /// Advice given when the post was accepted.
    pub warnings: Vec<Notice>,
    /// What the owner may do now: retry, check_again, send_again, cancel.
    #[schema(value_type = Vec<String>)]
    pub actions: Vec<Action>,
    /// The platform has everything: sending it again may post it twice.
    pub committed: bool,
    pub attempts: u32,
    /// When the worker takes it up next, while it moves (Unix seconds).
    pub next_attempt_at: Option<i64>,
    pub awaiting_link: bool,
    pub note: Option<String>,
    pub orphaned_inits: u32,
    pub resends: u32,
    /// The platform's own options, as normalised when the post was accepted.
    #[schema(value_type = Object)]
    pub options: Value,
    pub updated_at: i64,
}

impl TargetView {
    pub fn new(t: &Target, size: u64) -> Self {
        let progress = t
            .bytes_sent
            .saturating_mul(100)
            .checked_div(size)
            .unwrap_or(0)
            .min(100) as u8;
        let result =
            matches!(t.state, TargetState::Published | TargetState::InInbox).then(|| ResultView {
                url: t.result_url.clone(),
                post_id: t.result_post_id.clone(),
                visibility: t.result_visibility,
            });
        let error = match (&t.error_code, &t.last_error) {
            (Some(code), Some(message)) => Some(ErrorView {
                code: code.clone(),
                message: message.clone(),
            }),
            _ => None,
        };
        Self {
            id: t.id.clone(),
            platform: t.platform,
            account: t.account_id.clone(),
            state: t.state,
            progress,
            bytes_sent: t.bytes_sent,
            result,
            error,
            waiting_until: (t.state == TargetState::Waiting)
                .then_some(t.waiting_until)
                .flatten(),
            warnings: t.warnings.clone(),
            actions: t.actions(),
            committed: t.committed,
            attempts: t.attempts,
            next_attempt_at: (!t.state.is_final() || t.awaiting_link()).then_some(t.run_at),
            awaiting_link: t.awaiting_link(),
            note: t.note.clone(),
            orphaned_inits: t.orphaned_inits,
            resends: t.resends,
            options: t.options.clone(),
            updated_at: t.updated_at,
        }
    }
}

/// What `GET /api/posts/{id}` shows of a post.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostView {
    pub id: String,
    pub created_at: i64,
    pub publish_at: Option<i64>,
    pub video: VideoView,
    /// A photo post's images, in order (then `video` describes the first); absent for a video.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<super::images::ImageView>,
    pub targets: Vec<TargetView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VideoView {
    pub size: u64,
    /// Known once the whole video is there (null while a browser upload still arrives).
    pub sha256: Option<String>,
    pub content_type: String,
    /// `pending` while the upload still arrives, `checking`, `passed`, or `failed` (then
    /// `check_reason` says why and nothing was posted).
    pub check: String,
    pub check_reason: Option<String>,
}

impl PostView {
    pub fn new(post: &Post, targets: &[Target]) -> Self {
        let size = post.size.max(0) as u64;
        Self {
            id: post.id.clone(),
            created_at: post.created_at,
            publish_at: post.publish_at,
            video: VideoView {
                size,
                sha256: Some(post.sha256.clone()).filter(|s| !s.is_empty()),
                content_type: post.content_type.clone(),
                check: post.check_state.clone(),
                check_reason: post.check_reason.clone(),
            },
            images: Vec::new(),
            targets: targets.iter().map(|t| TargetView::new(t, size)).collect(),
        }
    }

    /// The view with a photo post's images.
    pub fn with_images(mut self, images: &[super::images::ImageRow]) -> Self {
        self.images = images.iter().map(super::images::ImageRow::view).collect();
        self
    }

    /// Nothing of it moves any more (every target final, no link awaited).
    pub fn is_settled(&self) -> bool {
        self.targets
            .iter()
            .all(|t| t.state.is_final() && !t.awaiting_link)
    }
}

/// A row of the History page's one query: a target, its post's summary, its account's name.
#[derive(Clone, sqlx::FromRow)]
pub struct HistoryRow {
    #[sqlx(flatten)]
    pub target: TargetRow,
    pub post_seq: i64,
    pub post_size: i64,
    pub post_publish_at: Option<i64>,
    pub post_created_at: i64,
    pub account_username: String,
    pub account_display_name: String,
}
