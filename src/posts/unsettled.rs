//! A post whose video failed its check has every target failed with the check's words
//! (`relay::fail_with`). When Cast stopped between marking the post and failing its targets, the
//! worker would never take those targets up (their post did not pass) nor end them: they are
//! failed now, as the check said.

use super::core::Core;
use super::error::PostError;
use super::relay;
use super::repository;
use super::state::FINAL;

/// Fails the unfinished targets of posts whose check failed.
pub async fn finish_failed_checks(core: &Core) -> Result<(), PostError> {
    let done = FINAL
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let stuck: Vec<(String, String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, browser_upload_id, check_reason FROM posts
         WHERE check_state = 'failed' AND browser_upload_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM targets t WHERE t.post_id = posts.id AND t.state NOT IN ({done}))"
    )))
    .fetch_all(&core.db)
    .await?;
    for (post_id, upload_id, reason) in stuck {
        let Some(post) = repository::find_post(&core.db, &post_id).await? else {
            continue;
        };
        let message = reason.unwrap_or_else(|| {
            "The video was refused after its upload. Nothing was posted.".into()
        });
        tracing::info!(
            post_id,
            "failing the targets left unfinished by a refused video"
        );
        relay::fail_with(core, &post, &upload_id, &message).await?;
    }
    Ok(())
}
