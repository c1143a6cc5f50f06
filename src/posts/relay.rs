//! Publish while it uploads: a post may name a browser (tus) upload that is still arriving. It is
//! accepted at once with the declared `Upload-Length` as its size and what needs only the options
//! checked; the video itself is checked when the upload ends. Until the check has passed the
//! worker leaves the post's targets alone (`repository::claim`), so no platform can ever commit a
//! video that fails it. A failed check fails every target with the check's words, nothing posted.

use super::core::Core;
use super::error::PostError;
use super::intake::{self, Key, Parsed, PostRequest};
use super::model::{Post, PostView};
use super::paused;
use super::relay_file::{checksum, declared_type, early_link, link_into_spool};
use super::repository::{self, NewPost, NewTarget};
use super::transition;
use crate::platforms::Event;
use crate::tus::TusError;

/// What an unfinished upload's post carries until the check has read the real file.
const UNKNOWN_TYPE: &str = "application/octet-stream";

/// Accepts a post naming the unfinished upload `upload_id`. `Ok(None)`: no such upload (or it
/// finished meanwhile): the caller answers as for a finished or missing one.
pub(super) async fn admit_unfinished(
    core: &Core,
    upload_id: &str,
    request: &PostRequest,
    idempotency_key: Option<&str>,
    script_body: bool,
) -> Result<Option<(PostView, bool)>, PostError> {
    let upload = match core.tus.get(upload_id).await {
        Ok(u) if u.completed_at.is_none() => u,
        Ok(_) | Err(TusError::NotFound | TusError::Expired) => return Ok(None),
        Err(e) => return Err(PostError::Probe(e.to_string())),
    };
    let now = core.now();
    let (parsed, publish_at) = intake::parse_beside(core, request, &[], now)
        .await
        .map_err(PostError::Rejected)?;
    let id = crate::crypto::random_token(12);
    let targets: Vec<NewTarget> = parsed
        .iter()
        .map(|t| NewTarget {
            id: if parsed.len() == 1 {
                id.clone()
            } else {
                crate::crypto::random_token(12)
            },
            platform: t.platform,
            account_id: t.account.clone(),
            options: t.options.to_string(),
            warnings: "[]".into(),
        })
        .collect();
    let declared = declared_type(&upload.metadata);
    // The spool's own name for the arriving file, so senders read it as it grows, whatever
    // becomes of the upload's name; without one (or a type to send it as) the targets wait.
    let early = match declared {
        Some(_) => early_link(core, upload_id).await,
        None => None,
    };
    let relayed = early.is_some();
    let file_path = early
        .clone()
        .unwrap_or_else(|| core.tus.file_path(upload_id))
        .display()
        .to_string();
    let post = NewPost {
        id: &id,
        file_path: &file_path,
        content_type: declared.unwrap_or(UNKNOWN_TYPE),
        size: upload.length.max(0) as u64,
        sha256: "",
        video_info: "{}",
        idempotency_key,
        browser_upload_id: Some(upload_id),
        publish_at,
        now,
    };
    let key = Key::BrowserUpload(upload_id);
    let mut tx = core.db.begin().await?;
    let created = repository::insert(&mut tx, &post, &targets).await?;
    if created {
        set_state(&mut *tx, &id, "pending", None).await?;
        sqlx::query("UPDATE posts SET relay = ?, script_body = ? WHERE id = ?")
            .bind(relayed)
            .bind(script_body)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    if !created {
        if let Some(link) = early {
            let _ = tokio::fs::remove_file(link).await;
        }
        // The insert met either key: the same upload's post, or the same Idempotency-Key's
        // (a request that raced this one with another upload).
        let view = intake::existing_either(core, idempotency_key, Some(upload_id))
            .await?
            .ok_or(PostError::NotFound)?;
        return Ok(Some((view, false)));
    }
    tracing::info!(post_id = %id, upload_id, size = upload.length, relayed, "post accepted before its upload ended");
    // Its targets are due now: the worker starts them (creator info, init) while the phone sends.
    core.wake.notify_one();
    // The last PATCH may have ended between reading the upload and storing the post.
    if core.tus.finished(upload_id).await.ok().flatten().is_some() {
        upload_finished(core, upload_id).await?;
    }
    let view = intake::existing(core, key)
        .await?
        .ok_or(PostError::NotFound)?;
    Ok(Some((view, true)))
}

/// The browser upload `upload_id` has all its bytes: the post waiting for it (if any) has its
/// video checked, then goes on (wakes the worker) or fails with the check's words.
pub async fn upload_finished(core: &Core, upload_id: &str) -> Result<(), PostError> {
    // One check per post, whoever calls: the PATCH that ended it, a Publish, or a restart.
    let claimed: Option<String> = sqlx::query_scalar(
        "UPDATE posts SET check_state = 'checking'
         WHERE browser_upload_id = ? AND check_state = 'pending' RETURNING id",
    )
    .bind(upload_id)
    .fetch_optional(&core.db)
    .await?;
    let Some(post_id) = claimed else {
        return Ok(());
    };
    let post = repository::find_post(&core.db, &post_id)
        .await?
        .ok_or(PostError::NotFound)?;
    let Some(file) = core.tus.finished(upload_id).await.ok().flatten() else {
        set_state(&core.db, &post_id, "pending", None).await?;
        return Ok(());
    };
    match check(core, &post, &file.path, file.size).await {
        Ok(info) => pass(core, &post, upload_id, &file.path, file.size, &info).await,
        Err(Verdict::Refused(reason)) => fail(core, &post, upload_id, &reason).await,
        Err(Verdict::Trouble(reason)) => {
            // A platform that could not be asked says nothing of the video: asked again later.
            tracing::warn!(
                post_id,
                reason,
                "the video check must wait: a platform did not answer"
            );
            set_state(&core.db, &post_id, "pending", None).await
        }
    }
}

/// Why a check did not pass.
enum Verdict {
    /// The video (or its size) is refused: the post fails.
    Refused(String),
    /// Nothing is known (a platform did not answer, the probe broke): checked again later.
    Trouble(String),
}

/// Codes of problems that are about reaching a platform, not about the video.
fn is_trouble(code: &str) -> bool {
    code == "internal" || code.ends_with("_unavailable")
}

/// The video as the finished upload holds it, against every target's platform: its facts, or
/// what is wrong, for a person.
async fn check(
    core: &Core,
    post: &Post,
    path: &std::path::Path,
    size: u64,
) -> Result<crate::media::VideoInfo, Verdict> {
    if size != post.size.max(0) as u64 {
        return Err(Verdict::Refused(format!(
            "The video is {size} bytes, not the {} announced when it was posted.",
            post.size
        )));
    }
    let info = intake::probe(&post.id, path, size)
        .await
        .map_err(|e| match e {
            PostError::Rejected(_) => Verdict::Refused(e.to_string()),
            e => Verdict::Trouble(e.to_string()),
        })?;
    let targets = repository::targets_of(&core.db, &post.id)
        .await
        .map_err(|e| Verdict::Trouble(e.to_string()))?;
    let parsed: Vec<Parsed> = targets
        .iter()
        .map(|t| Parsed {
            platform: t.platform,
            account: t.account_id.clone(),
            options: t.options.clone(),
        })
        .collect();
    intake::check_all(core, &parsed, &info, None)
        .await
        .map(|_| info)
        .map_err(|problems| {
            let said = problems
                .iter()
                .map(|p| p.message.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            if problems.iter().any(|p| is_trouble(p.code)) {
                Verdict::Trouble(said)
            } else {
                Verdict::Refused(said)
            }
        })
}

async fn pass(
    core: &Core,
    post: &Post,
    upload_id: &str,
    path: &std::path::Path,
    size: u64,
    info: &crate::media::VideoInfo,
) -> Result<(), PostError> {
    let relayed: bool = sqlx::query_scalar("SELECT relay FROM posts WHERE id = ?")
        .bind(&post.id)
        .fetch_one(&core.db)
        .await?;
    let spooled = if relayed {
        checksum(&post.file_path, size).await
    } else {
        link_into_spool(core, path, size).await
    };
    let spooled = match spooled {
        Ok(s) => s,
        Err(e) => {
            // Checked again at the next start rather than lost.
            set_state(&core.db, &post.id, "pending", None).await?;
            return Err(e);
        }
    };
    let video_info = serde_json::to_string(info).unwrap_or_else(|_| "{}".into());
    sqlx::query(
        "UPDATE posts SET file_path = ?, sha256 = ?, video_info = ?, content_type = ?,
                          check_state = 'passed', updated_at = ?
         WHERE id = ?",
    )
    .bind(spooled.path.display().to_string())
    .bind(&spooled.sha256)
    .bind(&video_info)
    .bind(info.container.mime())
    .bind(core.now())
    .bind(&post.id)
    .execute(&core.db)
    .await?;
    if let Err(e) = core.tus.remove(upload_id).await {
        tracing::warn!(upload_id, error = %e, "could not delete the finished browser upload");
    }
    tracing::info!(post_id = %post.id, "video checked after its upload: the post goes on");
    concluded(core, &post.id).await
}

/// The check concluded: senders holding their commit for it learn at once, and targets
/// paused for it are taken up.
async fn concluded(core: &Core, post_id: &str) -> Result<(), PostError> {
    core.tus.changes().notify_waiters();
    paused::kick(core, "id = ?2", post_id).await?;
    core.wake.notify_one();
    Ok(())
}

async fn fail(core: &Core, post: &Post, upload_id: &str, reason: &str) -> Result<(), PostError> {
    let message = format!("{reason} Nothing was posted: fix the video and post it again.");
    fail_with(core, post, upload_id, &message).await
}

/// Fails every target of the post with `message` (the whole sentence a person reads), nothing
/// posted, and lets go of the upload and the post's spool link.
pub(super) async fn fail_with(
    core: &Core,
    post: &Post,
    upload_id: &str,
    message: &str,
) -> Result<(), PostError> {
    let message = message.to_string();
    set_state(&core.db, &post.id, "failed", Some(&message)).await?;
    // A script cannot resume its body or fix it in place: the same request again is a new post.
    sqlx::query("UPDATE posts SET idempotency_key = NULL WHERE id = ? AND script_body = 1")
        .bind(&post.id)
        .execute(&core.db)
        .await?;
    tracing::info!(post_id = %post.id, reason = %message, "video refused after its upload");
    let refused = Event::Refused {
        code: "video_refused".into(),
        message: message.clone(),
        definitive: true,
    };
    for target in repository::targets_of(&core.db, &post.id).await? {
        if target.state.is_final() {
            continue;
        }
        let event = match abandoned(&target) {
            Some(said) => Event::Refused {
                code: "video_refused".into(),
                message: format!("{message} {said}"),
                definitive: true,
            },
            None => refused.clone(),
        };
        if let Err(e) = transition::apply(core, post, &target, &event).await {
            tracing::warn!(target_id = %target.id, error = %e, "could not fail the target");
        }
    }
    if let Err(e) = concluded(core, &post.id).await {
        tracing::warn!(post_id = %post.id, error = %e, "could not wake the senders");
    }
    if let Err(e) = core.tus.remove(upload_id).await {
        tracing::warn!(upload_id, error = %e, "could not delete the refused browser upload");
    }
    // A relayed post's spool link: a refused video cannot be retried, so nothing needs it.
    if post.file_path != core.tus.file_path(upload_id).display().to_string()
        && let Err(e) = tokio::fs::remove_file(&post.file_path).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(post_id = %post.id, error = %e, "could not delete the refused video");
    }
    Ok(())
}

/// What a target had started at its platform, now left unfinished: nothing commits it, since
/// its last chunk waits for the check that failed.
fn abandoned(target: &super::model::Target) -> Option<String> {
    target.remote_id.as_ref()?;
    let name = target.platform.name();
    Some(format!(
        "Cast stopped sending it to {name} before the last part, so {name} publishes nothing and drops the unfinished upload ({} bytes had gone).",
        target.bytes_sent
    ))
}

/// At start, before serving: a check the previous process was running died with it.
pub async fn reset_checks(core: &Core) -> Result<(), PostError> {
    sqlx::query("UPDATE posts SET check_state = 'pending' WHERE check_state = 'checking'")
        .execute(&core.db)
        .await?;
    Ok(())
}

/// When the worker starts, and now and then: an upload that ended while no check could run (Cast
/// was down, a platform did not answer) is checked now, and a browser upload that expired
/// unfinished fails its post (a script's, see `api_arrival::fail_lost`).
pub async fn resume_checks(core: &Core) -> Result<(), PostError> {
    let waiting: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT id, browser_upload_id, script_body FROM posts
         WHERE check_state = 'pending' AND browser_upload_id IS NOT NULL",
    )
    .fetch_all(&core.db)
    .await?;
    for (post_id, upload_id, script_body) in waiting {
        // One post that cannot be settled now holds back none of the others.
        if let Err(e) = resume_one(core, &post_id, &upload_id, script_body).await {
            tracing::warn!(post_id, upload_id, error = %e, "could not resume a video check");
        }
    }
    Ok(())
}

async fn resume_one(
    core: &Core,
    post_id: &str,
    upload_id: &str,
    script_body: bool,
) -> Result<(), PostError> {
    match core.tus.get(upload_id).await {
        Ok(u) if u.completed_at.is_some() => upload_finished(core, upload_id).await,
        Err(TusError::NotFound | TusError::Expired) if !script_body => {
            let Some(post) = repository::find_post(&core.db, post_id).await? else {
                return Ok(());
            };
            let reason = "The video stopped uploading before it ended, and Cast no longer keeps the part that arrived.";
            fail(core, &post, upload_id, reason).await
        }
        Ok(_) | Err(TusError::NotFound | TusError::Expired) => Ok(()),
        Err(e) => Err(PostError::Probe(e.to_string())),
    }
}

async fn set_state(
    db: impl sqlx::SqliteExecutor<'_>,
    post_id: &str,
    state: &str,
    reason: Option<&str>,
) -> Result<(), PostError> {
    sqlx::query("UPDATE posts SET check_state = ?, check_reason = ? WHERE id = ?")
        .bind(state)
        .bind(reason)
        .bind(post_id)
        .execute(db)
        .await?;
    Ok(())
}
