//! Taking up targets that paused for the video (see `relay` and `arrival`): when a PATCH
//! begins or stores bytes, when the check concludes, or when a sender finds, just after
//! pausing, that a PATCH began meanwhile.

use super::PostError;
use super::core::Core;

/// A PATCH of the browser upload `upload_id` began, or stored bytes (it ended, whole or cut):
/// targets relaying it that paused for want of bytes are taken up now.
pub async fn upload_progressed(core: &Core, upload_id: &str) -> Result<(), PostError> {
    let woken = kick(core, "browser_upload_id = ?2 AND relay = 1", upload_id).await?;
    if woken > 0 {
        core.wake.notify_one();
    }
    Ok(())
}

/// Brings the paused target `target_id` forward to now and wakes the worker.
pub async fn take_up(core: &Core, target_id: &str) -> Result<(), PostError> {
    let done = sqlx::query(
        "UPDATE targets SET run_at = ?1
         WHERE id = ?2 AND run_at > ?1 AND state IN ('queued', 'uploading')",
    )
    .bind(core.now())
    .bind(target_id)
    .execute(&core.db)
    .await?;
    if done.rows_affected() > 0 {
        core.wake.notify_one();
    }
    Ok(())
}

/// Brings forward the paused active targets of the posts `which` selects.
pub(super) async fn kick(core: &Core, which: &str, value: &str) -> Result<u64, PostError> {
    let now = core.now();
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE targets SET run_at = ?1
         WHERE run_at > ?1 AND state IN ('queued', 'uploading')
           AND post_id IN (SELECT id FROM posts WHERE {which})"
    )))
    .bind(now)
    .bind(value)
    .execute(&core.db)
    .await?;
    Ok(done.rows_affected())
}
