//! The worker: claim a due target, let its platform move it one step on (the platform records
//! each event as it happens), release it. Up to `concurrency` steps run side by side, never two
//! of one account, so a stalled platform blocks only its own target. Every step runs under a
//! deadline on the app's clock; one cut short is trouble, and its target is taken up again.
//!
//! `try_execute_job` is one step; tests call it (or `run_until_idle`) to drive the queue
//! deterministically, moving the clock themselves.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use super::PostError;
use super::core::Core;
use super::model::{Post, Target};
use super::recorder::StepRecorder;
use super::state::TargetState;
use super::{repository, spool};
use crate::platforms::{Event, ImageFile, Stage, Stop, TargetJob, VideoFile};

/// The longest the worker sleeps with nothing due (a new target wakes it earlier).
const IDLE_MAX: Duration = Duration::from_secs(30);
/// On a stop, steps in flight get this long to finish their chunk; then they are cut (their
/// targets resume from the recorded progress at the next start).
pub const STOP_GRACE: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionOutcome {
    TaskCompleted,
    EmptyQueue,
}

/// Claims the target due first and moves it one step on.
pub async fn try_execute_job(core: &Core) -> Result<ExecutionOutcome, PostError> {
    match claim(core).await? {
        None => Ok(ExecutionOutcome::EmptyQueue),
        Some(target) => {
            execute(core, target).await;
            Ok(ExecutionOutcome::TaskCompleted)
        }
    }
}

/// Steps until nothing is due now (the clock does not move); returns how many steps ran.
pub async fn run_until_idle(core: &Core) -> Result<usize, PostError> {
    let mut steps = 0;
    while try_execute_job(core).await? == ExecutionOutcome::TaskCompleted {
        steps += 1;
    }
    Ok(steps)
}

async fn claim(core: &Core) -> Result<Option<Target>, PostError> {
    let now = core.now();
    let lease = now + core.settings.step_deadline.as_secs() as i64 + 60;
    repository::claim(&core.db, now, lease, &core.worker_id).await
}

/// What the platform must do for a target in this state.
fn stage(t: &Target) -> Option<Stage> {
    Some(match t.state {
        TargetState::Scheduled | TargetState::Queued | TargetState::Waiting
            if t.remote_id.is_none() =>
        {
            Stage::Start
        }
        TargetState::Scheduled | TargetState::Queued | TargetState::Waiting => Stage::Continue,
        TargetState::Uploading if t.remote_id.is_none() => Stage::Start,
        TargetState::Uploading => Stage::Continue,
        TargetState::Processing => Stage::Follow,
        TargetState::Published if t.link_pending_until.is_some() => Stage::FollowLink,
        _ => return None,
    })
}

fn job(post: &Post, t: &Target, stage: Stage, images: Vec<ImageFile>) -> TargetJob {
    TargetJob {
        id: t.id.clone(),
        post_id: post.id.clone(),
        account_id: t.account_id.clone(),
        options: t.options.clone(),
        video: VideoFile {
            path: PathBuf::from(&post.file_path),
            size: post.size.max(0) as u64,
            content_type: post.content_type.clone(),
            sha256: post.sha256.clone(),
        },
        images,
        stage,
        remote_id: t.remote_id.clone(),
        session: t.session.clone(),
        session_expires_at: t.session_expires_at,
        bytes_sent: t.bytes_sent,
        progress: t.progress.clone(),
        committed_at: t.committed_at,
        polls: t.polls,
        link_pending_until: t.link_pending_until,
        last_error: t.last_error.clone(),
        created_at: t.created_at,
    }
}

/// One step of a claimed target; its lease is released whatever happens.
async fn execute(core: &Core, target: Target) {
    let id = target.id.clone();
    let span = tracing::info_span!("target", target_id = %id, post_id = %target.post_id, platform = %target.platform, state = target.state.as_str());
    async {
        if let Err(e) = step(core, target).await {
            tracing::error!(error = %e, "a worker step failed");
        }
    }
    .instrument(span)
    .await;
    if let Err(e) = repository::release(&core.db, &id, &core.worker_id).await {
        tracing::warn!(target_id = %id, error = %e, "could not release a target; its lease expires by itself");
    }
}

async fn step(core: &Core, target: Target) -> Result<(), PostError> {
    let Some(post) = repository::find_post(&core.db, &target.post_id).await? else {
        return Err(PostError::NotFound);
    };
    let Some(stage) = stage(&target) else {
        return Ok(());
    };
    let images = super::images::of_post(&core.db, &post.id)
        .await?
        .iter()
        .map(super::images::ImageRow::file)
        .collect();
    let job = job(&post, &target, stage, images);
    let rec = StepRecorder::new(core, &post, target);
    let Some(platform) = core.platforms.get(job_platform(&rec)) else {
        let _ = rec
            .apply(&Event::refused(
                "platform_off",
                "Cast no longer posts to this platform: its settings were removed.",
            ))
            .await;
        return Ok(());
    };
    let deadline = core.settings.step_deadline;
    let outcome = tokio::select! {
        outcome = platform.step(&job, &rec) => outcome,
        _ = core.clock.sleep(deadline) => {
            tracing::warn!(deadline_secs = deadline.as_secs(), "a step ran past its deadline and was cut");
            Err(Stop::Event(Event::trouble(
                "timeout",
                format!(
                    "{} did not finish answering within {} minutes.",
                    rec.current().platform.name(),
                    deadline.as_secs() / 60
                ),
            )))
        }
    };
    match outcome {
        Ok(()) => {}
        Err(Stop::Event(event)) => {
            tracing::info!(event = event.name(), "step ended");
            // A Gone here is logged by the recorder; nothing else to do.
            let _ = rec.apply(&event).await;
        }
        Err(Stop::Gone) => {}
        Err(Stop::Store(e)) => tracing::error!(error = %e, "could not record a step"),
    }
    Ok(())
}

fn job_platform(rec: &StepRecorder<'_>) -> crate::platforms::PlatformId {
    rec.current().platform
}

/// When the next target falls due (Unix seconds of the app clock), if any has work left.
pub async fn next_due(core: &Core) -> Result<Option<i64>, PostError> {
    repository::next_due(&core.db).await
}

/// The worker's loop: leases a crash left are released, partial spool files removed, then up to
/// `concurrency` steps run side by side until `Core::stop`. On a stop, steps in flight finish
/// their chunk (within `STOP_GRACE`), and every lease this worker holds is released.
pub async fn run(core: Arc<Core>) {
    match repository::release_all(&core.db, None).await {
        Ok(n) if n > 0 => tracing::info!(
            targets = n,
            "released targets left mid-step by the last run"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not release stale leases"),
    }
    spool::remove_partials(&core.settings.spool_dir).await;
    let slots = Arc::new(Semaphore::new(core.settings.concurrency.max(1)));
    let mut steps: JoinSet<()> = JoinSet::new();
    while !core.is_stopping() {
        while let Some(done) = steps.try_join_next() {
            if let Err(e) = done {
                tracing::error!(error = %e, "a worker step panicked");
            }
        }
        if let Ok(slot) = slots.clone().try_acquire_owned() {
            match claim(&core).await {
                Ok(Some(target)) => {
                    let core = core.clone();
                    steps.spawn(async move {
                        execute(&core, target).await;
                        drop(slot);
                    });
                    continue;
                }
                Ok(None) => drop(slot),
                Err(e) => {
                    drop(slot);
                    tracing::error!(error = %e, "the worker could not claim a target");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        idle(&core, &mut steps).await;
    }
    tracing::info!(in_flight = steps.len(), "the worker is stopping");
    let drained = tokio::time::timeout(STOP_GRACE, async {
        while steps.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "steps still running after {} s were cut; they resume from their recorded progress",
            STOP_GRACE.as_secs()
        );
        steps.abort_all();
        while steps.join_next().await.is_some() {}
    }
    match repository::release_all(&core.db, Some(&core.worker_id)).await {
        Ok(n) => tracing::info!(targets = n, "the worker stopped and released its targets"),
        Err(e) => tracing::warn!(error = %e, "could not release the worker's leases"),
    }
}

/// Waits for something to do: a new target, a step ending (its account is free again), the next
/// due time on the app's clock, or a stop.
async fn idle(core: &Core, steps: &mut JoinSet<()>) {
    let due_ms = match repository::next_due(&core.db).await {
        Ok(Some(at)) => at.saturating_mul(1000),
        _ => core.clock.now_ms() + IDLE_MAX.as_millis() as i64,
    };
    // run_at has whole seconds: never spin on a target due now whose account is busy.
    let due_ms = due_ms.max(core.clock.now_ms() + 200);
    tokio::select! {
        _ = core.wake.notified() => {}
        _ = core.stopped.notified() => {}
        _ = core.clock.sleep_until_ms(due_ms) => {}
        _ = tokio::time::sleep(IDLE_MAX) => {}
        Some(_) = steps.join_next(), if !steps.is_empty() => {}
    }
}

/// Videos kept for `spool_retention` after every target finished are deleted once it passed.
pub async fn delete_expired_spools(core: &Core) {
    let before = core.now() - core.settings.spool_retention.as_secs() as i64;
    match repository::spools_to_delete(&core.db, before).await {
        Ok(due) => {
            for (post_id, path) in due {
                core.release_video(&post_id, &path).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not list videos to delete"),
    }
}
