//! What happens after the last chunk (contract section 12, "Processing").
//!
//! The received file is hashed and checked as TikTok checks it, in the background. The status is
//! computed lazily from timestamps when someone asks: `PROCESSING_UPLOAD` until the processing
//! delay has passed and the check is done, then the outcome, written once. No timers, so a
//! restart loses nothing: a check that was running is simply started again.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use actix_web::web;
use sha2::{Digest as _, Sha256};

use super::privacy::PrivacyLevel;
use super::store::publishes::{
    self, FAILED, PROCESSING, PUBLISH_COMPLETE, Publish, SEND_TO_USER_INBOX, UPLOADING,
};
use super::{SandboxState, Turn};
use crate::config::tiktok_sandbox::{Forms, PostIdForm};
use crate::media::probe::ProbeError;
use serde_json::{Value, json};

/// Where a publish's bytes are kept: named by the random upload id, never by client input.
pub fn video_path(state: &SandboxState, upload_id: &str) -> PathBuf {
    state.files_dir.join(format!("{upload_id}.video"))
}

/// Starts the hash and media check of a fully received publish, unless one is already running.
pub fn schedule(state: &web::Data<SandboxState>, publish: &Publish) {
    if !state.checks.claim(&publish.publish_id) {
        return;
    }
    let state = state.clone();
    let publish_id = publish.publish_id.clone();
    let path = video_path(&state, &publish.upload_id);
    let max_duration = state.settings.max_duration_sec;
    // Not `actix_web::rt::spawn`: the webhook ticker resolves publishes outside actix's workers.
    tokio::spawn(async move {
        let outcome = web::block(move || check(&path, max_duration)).await;
        let (sha256, verdict) = match outcome {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => {
                tracing::error!(%publish_id, error = %e, "sandbox: cannot read the received video");
                (String::new(), "internal".to_string())
            }
            Err(e) => {
                tracing::error!(%publish_id, error = %e, "sandbox: the media check did not finish");
                (String::new(), "internal".to_string())
            }
        };
        if let Err(e) = publishes::set_verdict(&state.db, &publish_id, &sha256, &verdict).await {
            tracing::error!(%publish_id, error = %e, "sandbox: cannot record the media check");
        }
        state.checks.release(&publish_id);
    });
}

/// The file's SHA-256, and TikTok's `fail_reason` for it ("" when it passes).
fn check(path: &Path, max_duration_sec: u32) -> std::io::Result<(String, String)> {
    let sha256 = sha256_file(path)?;
    Ok((sha256, media_verdict(path, max_duration_sec).to_string()))
}

/// Judges the file with Cast's own media rules, so the sandbox and Cast always agree.
fn media_verdict(path: &Path, max_duration_sec: u32) -> &'static str {
    match crate::media::probe::probe(path) {
        Ok(info) => crate::media::rules::check(&info, max_duration_sec)
            .first()
            .map(|problem| problem.tiktok_fail_reason())
            .unwrap_or(""),
        // Our disk failing is not the video's fault: TikTok's retryable `internal`.
        Err(ProbeError::Io(e)) if e.kind() != std::io::ErrorKind::UnexpectedEof => "internal",
        Err(e) => e.tiktok_fail_reason(),
    }
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// A TikTok post id: 19 digits, like `7312345678901234567`.
pub fn new_post_id() -> i64 {
    rand::random_range(7_000_000_000_000_000_000..7_400_000_000_000_000_000)
}

/// Brings a publish up to date: reveals its outcome once the processing delay has passed and the
/// check is done. Returns the row as it now stands.
pub async fn resolve(
    state: &web::Data<SandboxState>,
    publish: Publish,
) -> Result<Publish, sqlx::Error> {
    if publish.state != PROCESSING {
        return Ok(publish);
    }
    let delay = i64::try_from(state.settings.processing.as_millis()).unwrap_or(i64::MAX / 2);
    let reveal_at = publish.received_ms.unwrap_or(0).saturating_add(delay);
    if state.now_ms() < reveal_at {
        return Ok(publish);
    }
    let Some(verdict) = publish.verdict.as_deref() else {
        // Not checked yet, or the check was lost to a restart: (re)start it; TikTok's processing is unbounded.
        schedule(state, &publish);
        return Ok(publish);
    };
    let (status, fail_reason, post_id) = if publish.grant_revoked_ms.is_some_and(|r| r <= reveal_at)
    {
        // The creator removed the app's access while the video was processing.
        (FAILED, Some("auth_removed"), None)
    } else if !verdict.is_empty() {
        (FAILED, Some(verdict), None)
    } else if publish.mode == "inbox" {
        // Drafts, and direct posts an unaudited app had moved to the inbox (§5.1).
        (SEND_TO_USER_INBOX, None, None)
    } else {
        let public =
            publish.privacy_level.as_deref() == Some(PrivacyLevel::PublicToEveryone.as_str());
        (PUBLISH_COMPLETE, None, public.then(new_post_id))
    };
    publishes::finish(
        &state.db,
        &publish.publish_id,
        status,
        fail_reason,
        post_id,
        reveal_at,
    )
    .await?;
    tracing::info!(publish_id = %publish.publish_id, status, ?fail_reason, "sandbox: processing finished");
    // Re-read: a concurrent poll may have finished it first, with its own post id.
    Ok(publishes::by_id(&state.db, &publish.publish_id)
        .await?
        .unwrap_or(publish))
}

/// `publicaly_available_post_id` as status fetch gives it now: a public post's id only from
/// `CAST_SANDBOX_POST_ID_AFTER_MS` after `PUBLISH_COMPLETE` (never, with `never`), in the form
/// `CAST_SANDBOX_POST_ID_FORM` gives (each in turn by default); before that, an empty list or
/// no field, also in turn. None: leave the field out.
pub fn status_post_id(state: &SandboxState, publish: &Publish) -> Option<Value> {
    let shown = publish.post_id.filter(|_| {
        let after = state.settings.post_id_after.map(|d| {
            let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2);
            publish.completed_ms.unwrap_or(0).saturating_add(ms)
        });
        after.is_some_and(|at| state.now_ms() >= at)
    });
    let Some(id) = shown else {
        let empty = state.pick(Forms::Rotate, Turn::PostIdPending, &[true, false]);
        return empty.then(|| json!([]));
    };
    let form = state.pick(
        state.settings.post_id_form,
        Turn::PostIdForm,
        &[
            PostIdForm::List,
            PostIdForm::String,
            PostIdForm::Number,
            PostIdForm::Absent,
        ],
    );
    match form {
        PostIdForm::List => Some(json!([id])),
        PostIdForm::String => Some(json!(id.to_string())),
        PostIdForm::Number => Some(json!(id)),
        PostIdForm::Absent => None,
    }
}

/// The status as TikTok reports it.
pub struct View {
    pub status: &'static str,
    pub fail_reason: Option<String>,
    pub post_ids: Vec<i64>,
    /// `downloaded_bytes` for a pull, `uploaded_bytes` otherwise.
    pub uploaded_bytes: i64,
    pub pulled: bool,
}

pub fn view(publish: &Publish) -> View {
    let pulled = publish.source == "PULL_FROM_URL";
    let status = match publish.state.as_str() {
        // A pull reads PROCESSING_DOWNLOAD from init until its outcome (contract §12).
        UPLOADING | PROCESSING if pulled => "PROCESSING_DOWNLOAD",
        UPLOADING | PROCESSING => "PROCESSING_UPLOAD",
        SEND_TO_USER_INBOX => "SEND_TO_USER_INBOX",
        PUBLISH_COMPLETE => "PUBLISH_COMPLETE",
        _ => "FAILED",
    };
    View {
        status,
        fail_reason: (status == "FAILED").then(|| {
            publish
                .fail_reason
                .clone()
                .unwrap_or_else(|| "internal".into())
        }),
        post_ids: publish.post_id.into_iter().collect(),
        uploaded_bytes: publish.received_bytes,
        pulled,
    }
}
