//! Starting TikTok's upload (contract §5): init with the first chunk plan TikTok has not
//! refused, the "initiating" marker around it, and what each refusal means.
//!
//! The marker: init creates an upload at TikTok that only its answer names (publish id and
//! upload URL), and nothing in TikTok's API finds it again without them. So the marker is
//! committed before init is sent and cleared when the answer is recorded; a job found with it
//! still set (Cast was killed in between, or the request timed out after TikTok may have acted)
//! counts that init as possibly orphaned. An orphan never gets a byte of the file, so it can
//! never become a post; Cast inits again and says so on the job.

use super::chunk_plan::{ChunkPlan, fallback_plans};
use super::limiter::Endpoint;
use super::post::Mode;
use super::rules::UNAUDITED_EXPLANATION;
use super::worker::StepError;
use super::{Job, Uploads, flags, repository};
use crate::accounts::AccountError;
use crate::platforms::tiktok::client::publish::{FileSource, Init, PostInfo};
use crate::platforms::tiktok::client::{ErrorKind, TikTokError};

/// Inits with the first plan TikTok has not refused for its chunking; a refusal of a
/// multi-chunk plan is recorded and the next plan tried at once (each through the init rate
/// limit, so a wait keeps the list for the next step).
pub(super) async fn init(up: &Uploads, job: &mut Job) -> Result<(Init, ChunkPlan), StepError> {
    let plans = fallback_plans(job.size, up.settings.chunk_size);
    let mut last_refusal: Option<TikTokError> = None;
    loop {
        let Some(plan) = plans
            .iter()
            .find(|p| !job.refused_chunk_sizes.contains(&p.chunk_size()))
            .copied()
        else {
            return Err(every_plan_refused(job, &plans, last_refusal.as_ref()));
        };
        up.limiter
            .acquire(&job.open_id, Endpoint::Init, up.clock.now_ms())
            .map_err(StepError::Wait)?;
        let now = up.clock.now();
        if !repository::begin_init(&up.db, job, now).await? {
            return Err(StepError::Gone);
        }
        if job.init_started_at.is_some() {
            job.orphaned_inits += 1;
            tracing::warn!(
                orphaned = job.orphaned_inits,
                "the last init's answer was lost; TikTok may hold an upload that never gets the file"
            );
        }
        job.init_started_at = Some(now);
        match call(up, job, &plan).await {
            Ok(init) => return Ok((init, plan)),
            // TikTok answered, so it created nothing: the marker comes off.
            Err(AccountError::TikTok(e)) if answered(&e) => {
                if refuses_chunking(&e) && plan.total_chunk_count() > 1 {
                    tracing::info!(plan = %plan.describe(), log_id = ?e.log_id, "TikTok refused the chunk size; trying the next plan");
                    job.refused_chunk_sizes.push(plan.chunk_size());
                    repository::refuse_chunk_size(
                        &up.db,
                        &job.id,
                        &job.refused_chunk_sizes,
                        up.clock.now(),
                    )
                    .await?;
                    job.init_started_at = None;
                    last_refusal = Some(e);
                    continue;
                }
                repository::end_init(&up.db, &job.id, up.clock.now()).await?;
                return Err(refused(up, e, &plan).await);
            }
            // No account or token: init was never sent.
            Err(e @ (AccountError::NeedsReconnect(_) | AccountError::NotFound)) => {
                repository::end_init(&up.db, &job.id, up.clock.now()).await?;
                return Err(e.into());
            }
            // The answer may be lost (network, timeout): the marker stays.
            Err(e) => return Err(e.into()),
        }
    }
}

/// An error TikTok sent (any HTTP status with a body), as opposed to one where its answer
/// never arrived.
fn answered(e: &TikTokError) -> bool {
    e.http_status.is_some() && e.code != "network"
}

/// "The chunk size is invalid" (§6 field report), in either spelling of the code.
fn refuses_chunking(e: &TikTokError) -> bool {
    matches!(e.code.as_str(), "invalid_param" | "invalid_params")
        && e.message.to_ascii_lowercase().contains("chunk")
}

async fn call(up: &Uploads, job: &Job, plan: &ChunkPlan) -> Result<Init, AccountError> {
    let client = up.accounts.client();
    let source = FileSource {
        video_size: plan.video_size(),
        chunk_size: plan.chunk_size(),
        total_chunk_count: plan.total_chunk_count(),
    };
    match job.mode {
        Mode::Direct => {
            let o = &job.options;
            let Some(privacy_level) = o.privacy_level else {
                return Err(AccountError::TikTok(TikTokError::new(
                    "privacy_level_required",
                    "This post has no privacy level.",
                    Some(400),
                )));
            };
            let info = PostInfo {
                privacy_level,
                title: o.title.as_str().to_string(),
                disable_comment: o.disable_comment,
                disable_duet: o.disable_duet,
                disable_stitch: o.disable_stitch,
                brand_content_toggle: o.brand_content_toggle,
                brand_organic_toggle: o.brand_organic_toggle,
                is_aigc: o.is_aigc,
            };
            let info = &info;
            up.accounts
                .with_token(&job.open_id, |t| async move {
                    client.init_direct(&t, info, source).await
                })
                .await
        }
        Mode::Inbox => {
            up.accounts
                .with_token(&job.open_id, |t| async move {
                    client.init_inbox(&t, source).await
                })
                .await
        }
    }
}

/// Explains an init refusal: the audit limit (remembered), or a chunking complaint with the plan sent.
async fn refused(up: &Uploads, e: TikTokError, plan: &ChunkPlan) -> StepError {
    let log = e
        .log_id
        .as_deref()
        .map(|l| format!(" (log id {l})"))
        .unwrap_or_default();
    if e.kind == ErrorKind::Unaudited {
        let remembered =
            flags::remember_unaudited(&up.db, &up.settings.client_key, up.clock.now()).await;
        if let Err(err) = remembered {
            tracing::warn!(error = %err, "could not remember that the TikTok app is unaudited");
        }
        return StepError::fail(&e.code, format!("{UNAUDITED_EXPLANATION}{log}"));
    }
    if matches!(e.code.as_str(), "invalid_param" | "invalid_params") {
        return StepError::fail(
            &e.code,
            format!(
                "{e} Cast declared {}. If TikTok refuses the chunking, set TIKTOK_CHUNK_SIZE (5242880 is the size most often accepted) and press Retry.",
                plan.describe()
            ),
        );
    }
    e.into()
}

/// Every plan was refused for its chunking: TikTok's words, the plans sent, and what works.
fn every_plan_refused(job: &Job, plans: &[ChunkPlan], last: Option<&TikTokError>) -> StepError {
    let tried: Vec<String> = plans
        .iter()
        .filter(|p| job.refused_chunk_sizes.contains(&p.chunk_size()))
        .map(|p| {
            format!(
                "chunk_size {} ({} chunks)",
                p.chunk_size(),
                p.total_chunk_count()
            )
        })
        .collect();
    let said = last
        .map(|e| {
            let log = e
                .log_id
                .as_deref()
                .map(|l| format!(", log id {l}"))
                .unwrap_or_default();
            format!(" TikTok said \"{}\" ({}{log}).", e.message.trim(), e.code)
        })
        .unwrap_or_default();
    StepError::fail(
        "chunk_size_refused",
        format!(
            "TikTok refused every way Cast can cut this {}-byte video into chunks.{said} Plans tried: {}. TikTok still takes a video of at most 64,000,000 bytes whole, in one chunk: shorten or compress this one to 64 MB or less and upload it again, or press Retry later in case TikTok accepts chunks again.",
            job.size,
            tried.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_chunk_size_complaint_moves_on_to_the_next_plan() {
        let chunk = TikTokError::new("invalid_params", "The chunk size is invalid", Some(400));
        assert!(refuses_chunking(&chunk));
        let other = TikTokError::new("invalid_param", "title is too long", Some(400));
        assert!(!refuses_chunking(&other));
        let spam = TikTokError::new("spam_risk_too_many_posts", "chunk", Some(403));
        assert!(!refuses_chunking(&spam));
    }

    #[test]
    fn a_lost_answer_is_not_an_answer() {
        assert!(answered(&TikTokError::new("internal_error", "", Some(500))));
        assert!(!answered(&TikTokError::new("network", "timed out", None)));
    }
}
