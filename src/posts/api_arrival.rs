//! A video arriving in a script's multipart body (`POST /api/posts` with `video_size` sent before
//! its `video` part). It is written into a tus upload of the declared size, so the relay, the
//! check at its end and the worker's resumes are the browser upload's. Unlike a browser, a script
//! cannot resume a cut body: a body cut short, one longer than declared, one whose connection
//! died, or one Cast stopped receiving (a restart) fails the post at once, nothing posted, and
//! frees its Idempotency-Key, so sending the same request again makes a new post. The post is
//! marked as a script's (`posts.script_body`) by Cast, never by what the upload's client said.

use super::core::Core;
use super::error::PostError;
use super::intake::PostRequest;
use super::model::PostView;
use super::{relay, repository};
use crate::tus::TusError;

/// Accepts the post as its video begins to arrive in the upload `upload_id`.
pub async fn admit(
    core: &Core,
    upload_id: &str,
    request: &PostRequest,
    idempotency_key: Option<&str>,
) -> Result<(PostView, bool), PostError> {
    relay::admit_unfinished(core, upload_id, request, idempotency_key, true)
        .await?
        .ok_or_else(|| {
            PostError::rejected(
                "upload_unfinished",
                "Cast lost the video as it arrived. Send the request again.",
            )
        })
}

/// The body ended wrong (`why`, for a person): the post waiting for it fails, nothing posted,
/// and its key is freed. `false`: its check had already begun (every declared byte had arrived),
/// so the post goes on and the caller answers from its state.
pub async fn cut(core: &Core, upload_id: &str, why: &str) -> Result<bool, PostError> {
    let message = format!("{why} Nothing was posted: send the request again.");
    // Claimed in one statement, so a check starting now cannot also take the post.
    let claimed: Option<String> = sqlx::query_scalar(
        "UPDATE posts SET idempotency_key = NULL, check_state = 'failed', check_reason = ?
         WHERE browser_upload_id = ? AND check_state = 'pending' RETURNING id",
    )
    .bind(&message)
    .bind(upload_id)
    .fetch_optional(&core.db)
    .await?;
    let Some(post_id) = claimed else {
        return Ok(false);
    };
    let Some(post) = repository::find_post(&core.db, &post_id).await? else {
        return Ok(true);
    };
    relay::fail_with(core, &post, upload_id, &message).await?;
    Ok(true)
}

/// A script body's post whose video failed its check: the check's words (its key was freed
/// when it failed, see `relay::fail_with`). `None` while the post goes on.
pub async fn refused(core: &Core, post_id: &str) -> Result<Option<String>, PostError> {
    let reason: Option<Option<String>> = sqlx::query_scalar(
        "SELECT check_reason FROM posts WHERE id = ? AND script_body = 1 AND check_state = 'failed'",
    )
    .bind(post_id)
    .fetch_optional(&core.db)
    .await?;
    Ok(reason.map(Option::unwrap_or_default))
}

/// The request's handler ended before the body did (its connection died, or Cast is stopping):
/// a whole video is checked and goes on, anything less fails the post.
pub async fn handler_gone(core: &Core, upload_id: &str) -> Result<(), PostError> {
    match core.tus.get(upload_id).await {
        Ok(u) if u.completed_at.is_some() => relay::upload_finished(core, upload_id).await,
        Ok(u) => {
            let why = format!(
                "The request broke off after {} of the video's {} bytes (its connection was lost, or Cast stopped).",
                u.received, u.length
            );
            cut(core, upload_id, &why).await.map(|_| ())
        }
        Err(TusError::NotFound | TusError::Expired) => {
            let why = "The request broke off before the video's end.";
            cut(core, upload_id, why).await.map(|_| ())
        }
        Err(e) => Err(PostError::Probe(e.to_string())),
    }
}

/// Script bodies' posts still waiting for bytes, with their uploads.
async fn waiting(core: &Core) -> Result<Vec<String>, PostError> {
    Ok(sqlx::query_scalar(
        "SELECT browser_upload_id FROM posts
         WHERE script_body = 1 AND check_state = 'pending' AND browser_upload_id IS NOT NULL",
    )
    .fetch_all(&core.db)
    .await?)
}

/// At start, before serving (after `relay::reset_checks`): a script's body that was arriving
/// when Cast stopped can never end. A body that had wholly arrived is checked as usual.
pub async fn fail_cut_by_restart(core: &Core) -> Result<(), PostError> {
    for upload_id in waiting(core).await? {
        let why = match core.tus.get(&upload_id).await {
            Ok(u) if u.completed_at.is_some() => continue,
            Ok(u) => format!(
                "Cast stopped while the video was arriving in the request ({} of {} bytes in), and a request cannot be resumed.",
                u.received, u.length
            ),
            Err(TusError::NotFound | TusError::Expired) => {
                "Cast stopped while the video was arriving in the request, and a request cannot be resumed.".into()
            }
            Err(e) => {
                // One upload that cannot be read holds back none of the others.
                tracing::warn!(upload_id, error = %e, "could not read a script body's upload");
                continue;
            }
        };
        if let Err(e) = cut(core, &upload_id, &why).await {
            tracing::warn!(upload_id, error = %e, "could not fail a script body cut by the stop");
        }
    }
    Ok(())
}

/// Now and then: a script body's upload that is gone (expired unfinished) fails its post with
/// the script's wording, its key freed. `relay::resume_checks` leaves these to this.
pub async fn fail_lost(core: &Core) -> Result<(), PostError> {
    for upload_id in waiting(core).await? {
        if let Err(TusError::NotFound | TusError::Expired) = core.tus.get(&upload_id).await {
            let why = "The request's video stopped arriving before its end.";
            if let Err(e) = cut(core, &upload_id, why).await {
                tracing::warn!(upload_id, error = %e, "could not fail a lost script body");
            }
        }
    }
    Ok(())
}
