//! What a platform says about a target outside any step (a webhook): found by the platform's
//! own id for the upload and applied through the same transition as the worker's events, so
//! the state machine decides whether it may happen and nothing moves backwards.

use super::core::Core;
use super::error::PostError;
use super::model::Target;
use super::repository;
use super::state::TargetState;
use super::transition::{self, TransitionError};
use crate::platforms::{Event, PlatformId};

/// What became of an event heard from a platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// No target of Cast's has that id (another app of the developer's, or long forgotten).
    NotOurs,
    /// Applied: the target is now in this state (the worker was woken).
    Applied(TargetState),
    /// The state machine refused it for a target in this state (already past it, or not there
    /// yet): nothing changed.
    NotNow(TargetState),
}

/// The target the platform knows as `remote_id`.
pub async fn target(
    core: &Core,
    platform: PlatformId,
    remote_id: &str,
) -> Result<Option<Target>, PostError> {
    repository::find_by_remote(&core.db, platform, remote_id).await
}

/// Applies `event` to the target the platform knows as `remote_id`.
pub async fn hear(
    core: &Core,
    platform: PlatformId,
    remote_id: &str,
    event: &Event,
) -> Result<Heard, PostError> {
    // The worker may write the same target meanwhile: the guarded write then says Gone, and
    // the event is judged again against the target as it now is.
    for _ in 0..3 {
        let Some(target) = repository::find_by_remote(&core.db, platform, remote_id).await? else {
            return Ok(Heard::NotOurs);
        };
        let Some(post) = repository::find_post(&core.db, &target.post_id).await? else {
            return Ok(Heard::NotOurs);
        };
        match transition::apply(core, &post, &target, event).await {
            Ok(updated) => {
                core.wake.notify_one();
                return Ok(Heard::Applied(updated.state));
            }
            Err(TransitionError::NotAllowed(_)) => return Ok(Heard::NotNow(target.state)),
            Err(TransitionError::Gone) => continue,
            Err(TransitionError::Store(e)) => return Err(e),
        }
    }
    Err(PostError::Conflict {
        code: "changed",
        message: "the target kept changing while an event from the platform was applied".into(),
    })
}
