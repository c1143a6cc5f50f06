//! The History page's rows: each post, newest first, with its targets and their accounts' names,
//! from one query.

use super::core::Core;
use super::error::PostError;
use super::model::{Target, TargetView};
use super::repository;
use crate::platforms::Summary;

/// One target as History and the post's page show it.
pub struct TargetEntry {
    pub view: TargetView,
    /// "@poster on TikTok" (the id, when the account is gone).
    pub account: String,
    pub summary: Summary,
}

impl TargetEntry {
    /// Not started yet (scheduled, queued, waiting): History offers to cancel it.
    pub fn can_cancel(&self) -> bool {
        !self.view.state.is_final() && self.view.actions.contains(&super::state::Action::Cancel)
    }
}

/// One post as History shows it.
pub struct HistoryPost {
    pub id: String,
    pub created_at: i64,
    pub publish_at: Option<i64>,
    pub targets: Vec<TargetEntry>,
}

impl HistoryPost {
    /// The title of its first target that has one.
    pub fn title(&self) -> &str {
        self.targets
            .iter()
            .map(|t| t.summary.title.as_str())
            .find(|t| !t.is_empty())
            .unwrap_or("")
    }
}

/// A page of History: `limit` posts before the post `before` (its id), and whether older ones exist.
pub async fn page(
    core: &Core,
    limit: u32,
    before: Option<&str>,
) -> Result<(Vec<HistoryPost>, Option<String>), PostError> {
    let cursor = match before {
        None => None,
        Some(b) => Some(repository::post_seq(&core.db, b).await?.ok_or_else(|| {
            PostError::UnknownCursor(format!(
                "before='{}' names no post: follow the Older link, or start from the newest.",
                b.chars().take(64).collect::<String>()
            ))
        })?),
    };
    // One more post than a page tells whether an older page exists.
    let rows = repository::history(&core.db, limit + 1, cursor).await?;
    let mut posts: Vec<HistoryPost> = Vec::new();
    for row in rows {
        let handle = if row.account_username.is_empty() {
            row.account_display_name.clone()
        } else {
            format!("@{}", row.account_username)
        };
        let target = Target::try_from(row.target)?;
        let summary = core
            .platforms
            .get(target.platform)
            .map(|p| p.summary(&target.options))
            .unwrap_or_default();
        let account = if handle.is_empty() {
            format!("{} on {}", target.account_id, target.platform.name())
        } else {
            format!("{handle} on {}", target.platform.name())
        };
        let entry = TargetEntry {
            view: TargetView::new(&target, row.post_size.max(0) as u64),
            account,
            summary,
        };
        match posts.last_mut() {
            Some(last) if last.id == target.post_id => last.targets.push(entry),
            _ => posts.push(HistoryPost {
                id: target.post_id.clone(),
                created_at: row.post_created_at,
                publish_at: row.post_publish_at,
                targets: vec![entry],
            }),
        }
    }
    let older = if posts.len() > limit as usize {
        posts.truncate(limit as usize);
        posts.last().map(|p| p.id.clone())
    } else {
        None
    };
    Ok((posts, older))
}

/// A post as its page shows it: the view, and each target with its account's name.
pub struct PostDetail {
    pub view: super::model::PostView,
    pub title: String,
    pub targets: Vec<TargetEntry>,
    /// The video is still on this server, so it can be posted again to more accounts.
    pub video_kept: bool,
}

/// One post, for its page.
pub async fn detail(core: &Core, id: &str) -> Result<PostDetail, PostError> {
    let (post, targets) = super::actions::post(core, id).await?;
    let view = super::model::PostView::new(&post, &targets);
    let mut entries = Vec::with_capacity(targets.len());
    for (t, v) in targets.iter().zip(view.targets.iter()) {
        let account = core
            .accounts
            .find(&crate::accounts::AccountKey::new(t.platform, &t.account_id))
            .await?
            .map(|a| a.label())
            .unwrap_or_else(|| format!("{} on {}", t.account_id, t.platform.name()));
        let summary = core
            .platforms
            .get(t.platform)
            .map(|p| p.summary(&t.options))
            .unwrap_or_default();
        entries.push(TargetEntry {
            view: v.clone(),
            account,
            summary,
        });
    }
    let title = entries
        .iter()
        .map(|e| e.summary.title.clone())
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    Ok(PostDetail {
        view,
        title,
        targets: entries,
        video_kept: post.spool_deleted == 0,
    })
}
