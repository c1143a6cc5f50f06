//! A video arriving in a script's multipart body (`POST /api/posts` with `video_size` sent before
//! its `video` part). It is written into a tus upload of the declared size, so the relay, the
//! check at its end and the worker's resumes are the browser upload's. Unlike a browser, a script
//! cannot resume a cut body: a body cut short, one longer than declared, or one Cast stopped
//! receiving (a restart) fails the post at once, nothing posted, and frees its Idempotency-Key,
//! so sending the same request again makes a new post.

use super::core::Core;
use super::error::PostError;
use super::intake::PostRequest;
use super::model::PostView;
use super::{relay, repository};

/// The tus metadata entry that marks an upload as a script's body, not a browser's.
pub const SOURCE: (&str, &str) = ("source", "api");

/// Accepts the post as its video begins to arrive in the upload `upload_id`.
pub async fn admit(
    core: &Core,
    upload_id: &str,
    request: &PostRequest,
    idempotency_key: Option<&str>,
) -> Result<(PostView, bool), PostError> {
    relay::admit_unfinished(core, upload_id, request, idempotency_key)
        .await?
        .ok_or_else(|| {
            PostError::rejected(
                "upload_unfinished",
                "Cast lost the video as it arrived. Send the request again.",
            )
        })
}

/// The body ended wrong (`why`, for a person): the post waiting for it fails, nothing posted.
pub async fn cut(core: &Core, upload_id: &str, why: &str) -> Result<(), PostError> {
    let claimed: Option<String> = sqlx::query_scalar(
        "UPDATE posts SET idempotency_key = NULL
         WHERE browser_upload_id = ? AND check_state IN ('pending', 'checking') RETURNING id",
    )
    .bind(upload_id)
    .fetch_optional(&core.db)
    .await?;
    let Some(post_id) = claimed else {
        return Ok(());
    };
    let Some(post) = repository::find_post(&core.db, &post_id).await? else {
        return Ok(());
    };
    let message = format!("{why} Nothing was posted: send the request again.");
    relay::fail_with(core, &post, upload_id, &message).await
}

fn is_script_body(metadata: &str) -> bool {
    serde_json::from_str::<std::collections::HashMap<String, String>>(metadata)
        .ok()
        .and_then(|m| m.get(SOURCE.0).cloned())
        .is_some_and(|v| v == SOURCE.1)
}

/// At start, before serving: a script's body that was arriving when Cast stopped can never end.
pub async fn fail_cut_by_restart(core: &Core) -> Result<(), PostError> {
    let waiting: Vec<String> = sqlx::query_scalar(
        "SELECT browser_upload_id FROM posts
         WHERE check_state IN ('pending', 'checking') AND browser_upload_id IS NOT NULL",
    )
    .fetch_all(&core.db)
    .await?;
    for upload_id in waiting {
        let Ok(upload) = core.tus.get(&upload_id).await else {
            continue;
        };
        if upload.completed_at.is_none() && is_script_body(&upload.metadata) {
            let why = format!(
                "Cast stopped while the video was arriving in the request ({} of {} bytes in), and a request cannot be resumed.",
                upload.received, upload.length
            );
            cut(core, &upload_id, &why).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_upload_marked_as_a_scripts_body_is_one() {
        assert!(is_script_body(r#"{"source":"api","filename":"a.mp4"}"#));
        assert!(!is_script_body(r#"{"filename":"a.mp4"}"#));
        assert!(!is_script_body("not json"));
    }
}
